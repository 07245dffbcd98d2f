from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from crm.catalog.models import PriceList, PriceListItem, Product, TaxRate
from crm.customers.models import Account, Contact
from crm.users.models import Role, Team, User

PASSWORD = "pw-for-tests-1"


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.SELLER
    password = factory.django.Password(PASSWORD)


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n:05d}")
    city = "Springfield"
    country = "USA"
    owner = factory.SubFactory(UserFactory)


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Sequence(lambda n: f"Lastname{n:05d}")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    account = factory.SubFactory(AccountFactory)
    owner = factory.SelfAttribute("account.owner")


class TaxRateFactory(DjangoModelFactory):
    class Meta:
        model = TaxRate

    name = factory.Sequence(lambda n: f"Tax {n}")
    rate = Decimal("8.000")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    owner = factory.SubFactory(UserFactory, role=Role.ADMIN)


class PriceListFactory(DjangoModelFactory):
    class Meta:
        model = PriceList

    name = factory.Sequence(lambda n: f"Price list {n}")
    currency = "USD"
    is_default = True


class PriceListItemFactory(DjangoModelFactory):
    class Meta:
        model = PriceListItem

    price_list = factory.SubFactory(PriceListFactory)
    product = factory.SubFactory(ProductFactory)
    unit_price = Decimal("100.00")
