"""Demo catalog for `manage.py seed_demo`: three tax rates, a price list and eight products."""

from decimal import Decimal

from .models import PriceList, PriceListItem, Product, TaxRate

PRODUCTS = [
    ("CRM-SEAT", "CRM seat licence (annual)", "seat", "480.00"),
    ("CRM-SUPPORT", "Premium support (annual)", "year", "2400.00"),
    ("ONB-DAY", "Onboarding workshop", "day", "1200.00"),
    ("INT-API", "Integration package", "each", "3500.00"),
    ("HW-SCAN", "Business card scanner device", "each", "89.50"),
    ("TRN-SEAT", "Online training seat", "seat", "60.00"),
    ("DATA-MIG", "Data migration", "each", "5000.00"),
    ("CONS-HOUR", "Consulting hour", "hour", "150.00"),
]


def seed(ctx: dict) -> None:
    std = TaxRate.objects.create(name="Standard", rate=Decimal("8.000"), is_default=True)
    TaxRate.objects.create(name="Reduced", rate=Decimal("5.000"))
    TaxRate.objects.create(name="Zero", rate=Decimal("0.000"))
    price_list = PriceList.objects.create(name="Standard 2026", currency="USD",
                                          is_default=True)
    products = []
    for sku, name, unit, price in PRODUCTS:
        product = Product.objects.create(sku=sku, name=name, unit=unit,
                                         default_tax_rate=std, owner=ctx["users"]["admin"])
        PriceListItem.objects.create(price_list=price_list, product=product,
                                     unit_price=Decimal(price))
        products.append(product)
    ctx.update(products=products, price_list=price_list, tax_rates={"standard": std})
