"""Writes to products, price lists and tax rates."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from crm.common.deletion import delete_or_refuse
from crm.common.errors import BusinessRuleViolation
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


def require_catalog_admin(actor: User) -> None:
    if not (is_admin(actor) or actor.role == "manager"):
        raise PermissionDenied(_("Only managers and admins maintain price lists and tax rates."))


def _apply(instance: Model, data: dict[str, Any], allowed: Iterable[str]) -> list[str]:
    changed = []
    for name, value in data.items():
        if name in allowed and getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def product_create(*, actor: User, owner: User | None = None, **data: Any) -> Product:
    owner = owner or actor
    check_can_assign_owner(actor, owner, visibility=PUBLIC)
    product = Product(owner=owner)
    _apply(product, data, PRODUCT_FIELDS)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_update(*, product: Product, actor: User, **data: Any) -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    check_can_change(actor, product, visibility=PUBLIC)
    changed = _apply(product, data, PRODUCT_FIELDS)
    if apply_owner_change(product, actor, data.get("owner"), visibility=PUBLIC):
        changed.append("owner")
    if changed:
        product.full_clean()
        product.save(update_fields=changed)
    return product


@transaction.atomic
def tax_rate_save(*, actor: User, tax_rate: TaxRate | None = None, **data: Any) -> TaxRate:
    require_catalog_admin(actor)
    tax_rate = tax_rate or TaxRate()
    _apply(tax_rate, data, ["name", "rate", "is_default", "active"])
    tax_rate.full_clean()
    tax_rate.save()
    if tax_rate.is_default:
        TaxRate.objects.exclude(pk=tax_rate.pk).filter(is_default=True).update(is_default=False)
    return tax_rate


@transaction.atomic
def price_list_save(*, actor: User, price_list: PriceList | None = None,
                    items: Iterable[dict[str, Any]] | None = None, **data: Any) -> PriceList:
    """Create or update a price list; `items` (list of {product, unit_price}) replaces them."""
    require_catalog_admin(actor)
    price_list = price_list or PriceList()
    _apply(price_list, data, ["name", "currency", "valid_from", "valid_until", "is_default",
                              "description"])
    price_list.full_clean()
    price_list.save()
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
