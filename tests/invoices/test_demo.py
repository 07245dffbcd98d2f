import random

import pytest
from django.utils import timezone

from crm.catalog.models import PriceList, PriceListItem
from invoices import demo
from invoices.models import Invoice, Order
from tests.factories import AccountFactory, PriceListFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_creates_orders_and_invoices_in_every_state(org):
    price_list = PriceListFactory()
    products = [ProductFactory() for _ in range(5)]
    for product in products:
        PriceListItem.objects.create(price_list=price_list, product=product, unit_price="120.00")
    accounts = [AccountFactory(owner=owner) for owner in (org.sam, org.sofia, org.tom)]
    ctx = {"rng": random.Random(1), "accounts": accounts, "products": products,
           "price_list": PriceList.objects.get()}
    demo.seed(ctx)
    assert Order.objects.count() == len(demo.SCENARIOS)
    statuses = set(Invoice.objects.values_list("status", flat=True))
    assert statuses == {"draft", "active", "paid"}
    assert Invoice.objects.filter(status_reason="partially_paid").exists()
    assert Invoice.objects.overdue(timezone.localdate()).count() == 4
