from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, Prefetch, Q, QuerySet, Value

from crm.common.visibility import PUBLIC, get_readable_or_404, scope_readable
from crm.users.models import User

from .models import PriceList, PriceListItem, Product, TaxRate


def product_list(*, user: User) -> QuerySet[Product]:
    return scope_readable(Product.objects.select_related("owner", "default_tax_rate"), user,
                          visibility=PUBLIC)


def product_get(*, user: User, pk: Any) -> Product:
    return get_readable_or_404(Product.objects.select_related("owner", "default_tax_rate"),
                               user, visibility=PUBLIC, pk=pk)


def price_list_list(*, user: User) -> QuerySet[PriceList]:
    items = PriceListItem.objects.select_related("product").order_by("product__name")
    return PriceList.objects.prefetch_related(Prefetch("items", queryset=items))


def tax_rate_list(*, user: User) -> QuerySet[TaxRate]:
    return TaxRate.objects.all()


def default_price_list(currency: str | None = None) -> PriceList | None:
    qs = PriceList.objects.filter(is_default=True)
    if currency:
        qs = qs.filter(currency=currency)
    return qs.first() or PriceList.objects.order_by("id").first()


def price_for(*, price_list: PriceList | None, product: Product | None) -> Decimal | None:
    """The product's unit price on the price list, or None when the list does not carry it."""
    if price_list is None or product is None:
        return None
    return (PriceListItem.objects.filter(price_list=price_list, product=product)
            .values_list("unit_price", flat=True).first())


def product_search(*, user: User, term: str, price_list_id: Any = None,
                   limit: int = 20) -> list[Product]:
    """Active products whose name or SKU contains `term`, with their price on `price_list_id`
    (`list_price`, None without a price list); on a price list, only the products it carries."""
    qs = product_list(user=user).filter(active=True)
    if term:
        qs = qs.filter(Q(name__icontains=term) | Q(sku__icontains=term))
    if price_list_id:
        qs = qs.filter(price_items__price_list_id=price_list_id).annotate(
            list_price=F("price_items__unit_price"))
    else:
        qs = qs.annotate(list_price=Value(None, output_field=DecimalField()))
    return list(qs.order_by("name", "sku")[:limit])
