"""Writes to products, price lists and tax rates."""

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from crm.common.deletion import delete_or_refuse
from crm.common.errors import BusinessRuleViolation
from crm.common.services import UNSET, Maybe, given, model_update
from crm.common.visibility import (
    PUBLIC,
    apply_owner_change,
    check_can_assign_owner,
    check_can_change,
    is_admin,
)
from crm.users.models import User

from .models import PriceList, PriceListItem, Product, TaxRate

PRODUCT_FIELDS = ["sku", "name", "description", "unit", "default_tax_rate", "active"]
TAX_RATE_FIELDS = ["name", "rate", "is_default", "active"]
PRICE_LIST_FIELDS = ["name", "currency", "valid_from", "valid_until", "is_default", "description"]


def require_catalog_admin(actor: User) -> None:
    if not (is_admin(actor) or actor.role == "manager"):
        raise PermissionDenied(_("Only managers and admins maintain price lists and tax rates."))


@transaction.atomic
def product_create(*, actor: User, owner: User | None = None, sku: str, name: str,
                   description: Maybe[str] = UNSET, unit: Maybe[str] = UNSET,
                   default_tax_rate: Maybe[TaxRate | None] = UNSET,
                   active: Maybe[bool] = UNSET) -> Product:
    owner = owner or actor
    check_can_assign_owner(actor, owner, visibility=PUBLIC)
    product, _created = model_update(
        instance=Product(owner=owner), fields=PRODUCT_FIELDS,
        data=given(sku=sku, name=name, description=description, unit=unit,
                   default_tax_rate=default_tax_rate, active=active))
    return product


@transaction.atomic
def product_update(*, product: Product, actor: User, owner: Maybe[User | None] = UNSET,
                   sku: Maybe[str] = UNSET, name: Maybe[str] = UNSET,
                   description: Maybe[str] = UNSET, unit: Maybe[str] = UNSET,
                   default_tax_rate: Maybe[TaxRate | None] = UNSET,
                   active: Maybe[bool] = UNSET) -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    check_can_change(actor, product, visibility=PUBLIC)
    new_owner = None if owner is UNSET else owner
    reassigned = apply_owner_change(product, actor, new_owner, visibility=PUBLIC)
    product, _updated = model_update(
        instance=product, fields=PRODUCT_FIELDS, changed=["owner"] if reassigned else [],
        data=given(sku=sku, name=name, description=description, unit=unit,
                   default_tax_rate=default_tax_rate, active=active))
    return product


@transaction.atomic
def tax_rate_save(*, actor: User, tax_rate: TaxRate | None = None, name: Maybe[str] = UNSET,
                  rate: Maybe[Decimal] = UNSET, is_default: Maybe[bool] = UNSET,
                  active: Maybe[bool] = UNSET) -> TaxRate:
    """Create (no `tax_rate`) or change a tax rate; a new default stops being the old one's."""
    require_catalog_admin(actor)
    tax_rate, _saved = model_update(
        instance=tax_rate or TaxRate(), fields=TAX_RATE_FIELDS,
        data=given(name=name, rate=rate, is_default=is_default, active=active))
    if tax_rate.is_default:
        TaxRate.objects.exclude(pk=tax_rate.pk).filter(is_default=True).update(is_default=False)
    return tax_rate


@transaction.atomic
def price_list_save(*, actor: User, price_list: PriceList | None = None,
                    items: Iterable[Mapping[str, Any]] | None = None, name: Maybe[str] = UNSET,
                    currency: Maybe[str] = UNSET, valid_from: Maybe[date | None] = UNSET,
                    valid_until: Maybe[date | None] = UNSET, is_default: Maybe[bool] = UNSET,
                    description: Maybe[str] = UNSET) -> PriceList:
    """Create or update a price list; `items` (list of {product, unit_price}) replaces them."""
    require_catalog_admin(actor)
    price_list, _saved = model_update(
        instance=price_list or PriceList(), fields=PRICE_LIST_FIELDS,
        data=given(name=name, currency=currency, valid_from=valid_from,
                   valid_until=valid_until, is_default=is_default, description=description))
    if price_list.is_default:
        (PriceList.objects.exclude(pk=price_list.pk).filter(is_default=True,
                                                             currency=price_list.currency)
         .update(is_default=False))
    if items is not None:
        price_list.items.all().delete()
        PriceListItem.objects.bulk_create(
            [PriceListItem(price_list=price_list, product=i["product"],
                           unit_price=i["unit_price"]) for i in items]
        )
    return price_list


def catalog_delete(*, actor: User, instance: Product | PriceList | TaxRate) -> None:
    if isinstance(instance, Product):
        check_can_change(actor, instance, visibility=PUBLIC)
    else:
        require_catalog_admin(actor)
    delete_or_refuse(instance)  # 409 record_in_use while lines or price lists use it


def check_line_product(*, product: Product | None, write_in_name: str) -> str:
    """The rule every document line follows: a sold catalog product or a write-in name.
    Returns the write-in name stripped; raises BusinessRuleViolation (400) otherwise."""
    write_in_name = (write_in_name or "").strip()
    if product is None and not write_in_name:
        raise BusinessRuleViolation(_("Choose a product or type a write-in name."),
                                    fields={"product": [_("Choose a product or type a name.")]})
    if product is not None and not product.active:
        raise BusinessRuleViolation(_("This product is no longer sold."),
                                    fields={"product": [_("This product is no longer sold.")]})
    return write_in_name
