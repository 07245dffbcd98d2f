"""Every write to accounts and contacts."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.automation.changes import record_created, record_deleted, record_updated, snapshot
from crm.common.deletion import delete_or_refuse
from crm.common.visibility import (
    PUBLIC,
    apply_owner_change,
    check_can_assign_owner,
    check_can_change,
)

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


def _apply(instance, data: dict, allowed: list[str]) -> list[str]:
    changed = []
    for name, value in data.items():
        if name in allowed and getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def account_create(*, actor, owner=None, **data) -> Account:
    """Create an account owned by `owner` (default: the actor)."""
    owner = owner or actor
    check_can_assign_owner(actor, owner, visibility=PUBLIC)
    account = Account(owner=owner)
    _apply(account, data, ACCOUNT_FIELDS)
    account.full_clean()
    account.save()
    record_created(record=account, actor=actor)
    return account


@transaction.atomic
def account_update(*, account: Account, actor, **data) -> Account:
    """Change an account's fields; only its owner, their managers and admins may."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    check_can_change(actor, account, visibility=PUBLIC)
    before = snapshot(account)
    changed = _apply(account, data, ACCOUNT_FIELDS)
    if apply_owner_change(account, actor, data.get("owner"), visibility=PUBLIC):
        changed.append("owner")
    if data.get("parent") is not None and _creates_cycle(account, data["parent"]):
        raise ValidationError({"parent": [_("An account cannot be its own parent or ancestor.")]})
    if changed:
        account.full_clean()
        account.save(update_fields=changed)
        record_updated(record=account, actor=actor, before=before)
    return account


def _creates_cycle(account: Account, parent: Account) -> bool:
    seen = set()
    node = parent
    while node is not None and node.pk not in seen:
        if node.pk == account.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


@transaction.atomic
def contact_create(*, actor, owner=None, **data) -> Contact:
    owner = owner or actor
    check_can_assign_owner(actor, owner, visibility=PUBLIC)
    contact = Contact(owner=owner)
    _apply(contact, data, CONTACT_FIELDS)
    contact.full_clean()
    contact.save()
    record_created(record=contact, actor=actor)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, actor, **data) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    check_can_change(actor, contact, visibility=PUBLIC)
    before = snapshot(contact)
    changed = _apply(contact, data, CONTACT_FIELDS)
    if apply_owner_change(contact, actor, data.get("owner"), visibility=PUBLIC):
        changed.append("owner")
    if changed:
        contact.full_clean()
        contact.save(update_fields=changed)
        record_updated(record=contact, actor=actor, before=before)
    return contact


@transaction.atomic
def account_delete(*, account: Account, actor) -> None:
    account = Account.objects.select_for_update().get(pk=account.pk)
    check_can_change(actor, account, visibility=PUBLIC)
    record_deleted(record=account, actor=actor)
    delete_or_refuse(account)  # 409 record_in_use while opportunities, quotes... use it


@transaction.atomic
def contact_delete(*, contact: Contact, actor) -> None:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    check_can_change(actor, contact, visibility=PUBLIC)
    record_deleted(record=contact, actor=actor)
    delete_or_refuse(contact)
