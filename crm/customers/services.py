"""Every write to accounts and contacts."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.common.changes import record_created, record_deleted, record_updated, snapshot
from crm.common.deletion import delete_or_refuse
from crm.common.services import UNSET, Maybe, given, model_update
from crm.common.visibility import (
    PUBLIC,
    apply_owner_change,
    check_can_assign_owner,
    check_can_change,
)
from crm.users.models import User

from .models import Account, Contact

ACCOUNT_FIELDS = [
    "name", "account_number", "website", "phone", "email", "industry", "employees",
    "annual_revenue", "street", "city", "state", "postal_code", "country", "ship_street",
    "ship_city", "ship_state", "ship_postal_code", "ship_country", "parent", "primary_contact",
    "description",
]
CONTACT_FIELDS = [
    "salutation", "first_name", "last_name", "job_title", "email", "email2", "business_phone",
    "mobile_phone", "street", "city", "state", "postal_code", "country", "account",
    "description",
]


@transaction.atomic
def account_create(
        *, actor: User, owner: User | None = None, name: str, account_number: Maybe[str] = UNSET, website: Maybe[str] = UNSET,
        phone: Maybe[str] = UNSET, email: Maybe[str] = UNSET, industry: Maybe[str] = UNSET,
        employees: Maybe[int | None] = UNSET, annual_revenue: Maybe[Decimal | None] = UNSET,
        street: Maybe[str] = UNSET, city: Maybe[str] = UNSET, state: Maybe[str] = UNSET,
        postal_code: Maybe[str] = UNSET, country: Maybe[str] = UNSET,
        ship_street: Maybe[str] = UNSET, ship_city: Maybe[str] = UNSET,
        ship_state: Maybe[str] = UNSET, ship_postal_code: Maybe[str] = UNSET,
        ship_country: Maybe[str] = UNSET, parent: Maybe[Account | None] = UNSET,
        primary_contact: Maybe[Contact | None] = UNSET, description: Maybe[str] = UNSET,
) -> Account:
    """Create an account owned by `owner` (default: the actor)."""
    owner = owner or actor
    check_can_assign_owner(actor, owner, visibility=PUBLIC)
    account, _created = model_update(instance=Account(owner=owner), fields=ACCOUNT_FIELDS,
                                     data=given(
        name=name, account_number=account_number, website=website, phone=phone, email=email,
        industry=industry, employees=employees, annual_revenue=annual_revenue, street=street,
        city=city, state=state, postal_code=postal_code, country=country,
        ship_street=ship_street, ship_city=ship_city, ship_state=ship_state,
        ship_postal_code=ship_postal_code, ship_country=ship_country, parent=parent,
        primary_contact=primary_contact, description=description))
    record_created(record=account, actor=actor)
    return account


@transaction.atomic
def account_update(
        *, account: Account, actor: User, owner: Maybe[User | None] = UNSET,
        name: Maybe[str] = UNSET, account_number: Maybe[str] = UNSET, website: Maybe[str] = UNSET,
        phone: Maybe[str] = UNSET, email: Maybe[str] = UNSET, industry: Maybe[str] = UNSET,
        employees: Maybe[int | None] = UNSET, annual_revenue: Maybe[Decimal | None] = UNSET,
        street: Maybe[str] = UNSET, city: Maybe[str] = UNSET, state: Maybe[str] = UNSET,
        postal_code: Maybe[str] = UNSET, country: Maybe[str] = UNSET,
        ship_street: Maybe[str] = UNSET, ship_city: Maybe[str] = UNSET,
        ship_state: Maybe[str] = UNSET, ship_postal_code: Maybe[str] = UNSET,
        ship_country: Maybe[str] = UNSET, parent: Maybe[Account | None] = UNSET,
        primary_contact: Maybe[Contact | None] = UNSET, description: Maybe[str] = UNSET,
) -> Account:
    """Change an account's fields; only its owner, their managers and admins may."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    check_can_change(actor, account, visibility=PUBLIC)
    before = snapshot(account)
    reassigned = apply_owner_change(account, actor, None if owner is UNSET else owner,
                                    visibility=PUBLIC)
    if parent is not UNSET and parent is not None and _creates_cycle(account, parent):
        raise ValidationError({"parent": [_("An account cannot be its own parent or ancestor.")]})
    account, updated = model_update(
        instance=account, fields=ACCOUNT_FIELDS, changed=["owner"] if reassigned else [],
        data=given(
        name=name, account_number=account_number, website=website, phone=phone, email=email,
        industry=industry, employees=employees, annual_revenue=annual_revenue, street=street,
        city=city, state=state, postal_code=postal_code, country=country,
        ship_street=ship_street, ship_city=ship_city, ship_state=ship_state,
        ship_postal_code=ship_postal_code, ship_country=ship_country, parent=parent,
        primary_contact=primary_contact, description=description))
    if updated:
        record_updated(record=account, actor=actor, before=before)
    return account


def _creates_cycle(account: Account, parent: Account) -> bool:
    seen = set()
    node: Account | None = parent
    while node is not None and node.pk not in seen:
        if node.pk == account.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


@transaction.atomic
def contact_create(
        *, actor: User, owner: User | None = None, salutation: Maybe[str] = UNSET, first_name: Maybe[str] = UNSET,
        last_name: str, job_title: Maybe[str] = UNSET, email: Maybe[str] = UNSET,
        email2: Maybe[str] = UNSET, business_phone: Maybe[str] = UNSET,
        mobile_phone: Maybe[str] = UNSET, street: Maybe[str] = UNSET, city: Maybe[str] = UNSET,
        state: Maybe[str] = UNSET, postal_code: Maybe[str] = UNSET, country: Maybe[str] = UNSET,
        account: Maybe[Account | None] = UNSET, description: Maybe[str] = UNSET,
) -> Contact:
    owner = owner or actor
    check_can_assign_owner(actor, owner, visibility=PUBLIC)
    contact, _created = model_update(instance=Contact(owner=owner), fields=CONTACT_FIELDS,
                                     data=given(
        salutation=salutation, first_name=first_name, last_name=last_name, job_title=job_title,
        email=email, email2=email2, business_phone=business_phone, mobile_phone=mobile_phone,
        street=street, city=city, state=state, postal_code=postal_code, country=country,
        account=account, description=description))
    record_created(record=contact, actor=actor)
    return contact


@transaction.atomic
def contact_update(
        *, contact: Contact, actor: User, owner: Maybe[User | None] = UNSET,
        salutation: Maybe[str] = UNSET, first_name: Maybe[str] = UNSET,
        last_name: Maybe[str] = UNSET, job_title: Maybe[str] = UNSET, email: Maybe[str] = UNSET,
        email2: Maybe[str] = UNSET, business_phone: Maybe[str] = UNSET,
        mobile_phone: Maybe[str] = UNSET, street: Maybe[str] = UNSET, city: Maybe[str] = UNSET,
        state: Maybe[str] = UNSET, postal_code: Maybe[str] = UNSET, country: Maybe[str] = UNSET,
        account: Maybe[Account | None] = UNSET, description: Maybe[str] = UNSET,
) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    check_can_change(actor, contact, visibility=PUBLIC)
    before = snapshot(contact)
    reassigned = apply_owner_change(contact, actor, None if owner is UNSET else owner,
                                    visibility=PUBLIC)
    contact, updated = model_update(
        instance=contact, fields=CONTACT_FIELDS, changed=["owner"] if reassigned else [],
        data=given(
        salutation=salutation, first_name=first_name, last_name=last_name, job_title=job_title,
        email=email, email2=email2, business_phone=business_phone, mobile_phone=mobile_phone,
        street=street, city=city, state=state, postal_code=postal_code, country=country,
        account=account, description=description))
    if updated:
        record_updated(record=contact, actor=actor, before=before)
    return contact


@transaction.atomic
def account_delete(*, account: Account, actor: User) -> None:
    account = Account.objects.select_for_update().get(pk=account.pk)
    check_can_change(actor, account, visibility=PUBLIC)
    record_deleted(record=account, actor=actor)
    delete_or_refuse(account)  # 409 record_in_use while opportunities, quotes... use it


@transaction.atomic
def contact_delete(*, contact: Contact, actor: User) -> None:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    check_can_change(actor, contact, visibility=PUBLIC)
    record_deleted(record=contact, actor=actor)
    delete_or_refuse(contact)
