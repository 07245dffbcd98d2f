"""Who may see and change what (PROCESS.md, last section), implemented once.

Owned records (leads, opportunities, quotes, orders, invoices, activities):
- seller: reads their own and their team's, changes their own;
- manager: reads and changes what people below them (transitively) and their team own;
- admin: everything.
Public records (accounts, contacts, products): everyone reads; the owner, the owner's managers
(transitively) and admins change them.
A record a user may not read does not exist for them (404); readable but not changeable is 403.
"""

from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

_M = TypeVar("_M", bound=Model)

OWNED = "owned"
PUBLIC = "public"


def is_admin(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == "admin"))


def subordinate_ids(user: Any) -> frozenset[int]:
    """Ids of everyone below `user` in the manager hierarchy, transitively (cached per user)."""
    cached = getattr(user, "_subordinate_ids", None)
    if cached is not None:
        return cached
    # The user model through Django's accessor: crm.users sits above crm.common.
    users = get_user_model().objects
    pairs = list(users.filter(manager__isnull=False).values_list("id", "manager_id"))
    children: dict[int, list[int]] = {}
    for uid, mid in pairs:
        children.setdefault(mid, []).append(uid)
    found: set[int] = set()
    stack = [user.pk]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found and child != user.pk:
                found.add(child)
                stack.append(child)
    result = frozenset(found)
    user._subordinate_ids = result
    return result


def team_member_ids(user: Any) -> frozenset[int]:
    cached = getattr(user, "_team_member_ids", None)
    if cached is not None:
        return cached
    if user.team_id is None:
        result = frozenset({user.pk})
    else:
        users = get_user_model().objects
        result = frozenset(users.filter(team_id=user.team_id).values_list("id", flat=True))
        result = result | {user.pk}
    user._team_member_ids = result
    return result


def readable_owner_ids(user: Any) -> frozenset[int] | None:
    """Owners whose owned records `user` may read; None means every owner (admin)."""
    if is_admin(user):
        return None
    ids = team_member_ids(user) | {user.pk}
    if user.role == "manager":
        ids = ids | subordinate_ids(user)
    return ids


def changeable_owner_ids(user: Any, visibility: str = OWNED) -> frozenset[int] | None:
    """Owners whose records `user` may change; None means every owner (admin)."""
    if is_admin(user):
        return None
    if visibility == PUBLIC:
        return frozenset({user.pk}) | subordinate_ids(user)
    if user.role == "manager":
        return readable_owner_ids(user)
    return frozenset({user.pk})


def assignable_users(user: Any) -> QuerySet[Any]:
    """Users `user` may give a record to: themselves; managers and admins their reach."""
    ids = changeable_owner_ids(user)
    qs = get_user_model().objects.filter(is_active=True).select_related("team")
    if ids is None:
        return qs
    return qs.filter(id__in=ids)


def scope_readable(qs: QuerySet[_M], user: Any, *, owner_field: str = "owner",
                   visibility: str = OWNED) -> QuerySet[_M]:
    if not user.is_authenticated:
        return qs.none()
    if visibility == PUBLIC:
        return qs
    ids = readable_owner_ids(user)
    if ids is None:
        return qs
    # A selector's queryset scoped again (the API base scopes what get_base_queryset returns):
    # a second identical `IN (...)` makes PostgreSQL square its selectivity estimate and pick a
    # plan that reads every readable row instead of walking an index to the first page.
    marker = (owner_field, ids)
    if getattr(qs.query, "_readable_scope", None) == marker:
        return qs
    qs = qs.filter(**{f"{owner_field}_id__in": ids})
    # Query.clone() copies it to every derived queryset
    qs.query._readable_scope = marker  # type: ignore[attr-defined]
    return qs


def scope_changeable(qs: QuerySet[_M], user: Any, *, owner_field: str = "owner",
                     visibility: str = OWNED) -> QuerySet[_M]:
    if not user.is_authenticated:
        return qs.none()
    ids = changeable_owner_ids(user, visibility)
    if ids is None:
        return qs
    return qs.filter(**{f"{owner_field}_id__in": ids})


def can_change(user: Any, record: Any, *, owner_field: str = "owner",
               visibility: str = OWNED) -> bool:
    if not user.is_authenticated:
        return False
    ids = changeable_owner_ids(user, visibility)
    return ids is None or getattr(record, f"{owner_field}_id") in ids


def can_reassign(user: Any) -> bool:
    """Reassigning an owner: managers and admins."""
    return user.is_authenticated and (is_admin(user) or user.role == "manager")


def get_readable_or_404(qs: QuerySet[_M], user: Any, *, owner_field: str = "owner",
                        visibility: str = OWNED, **lookup: Any) -> _M:
    try:
        return scope_readable(qs, user, owner_field=owner_field, visibility=visibility).get(
            **lookup
        )
    except qs.model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404(f"No {qs.model._meta.verbose_name} matches the given query.")


def check_can_change(user: Any, record: Any, *, owner_field: str = "owner",
                     visibility: str = OWNED) -> None:
    """Raise PermissionDenied (403) when `user` may read but not change `record`."""
    if not can_change(user, record, owner_field=owner_field, visibility=visibility):
        raise PermissionDenied(_("You may view this record but not change it."))


def check_can_assign_owner(user: Any, owner: Any, *, visibility: str = OWNED) -> None:
    """A user may only give a record to an owner whose records they may change."""
    if owner is None:
        return
    ids = changeable_owner_ids(user, visibility)
    if ids is not None and owner.pk not in ids and owner.pk != user.pk:
        raise PermissionDenied(_("You may not assign records to this user."))


def apply_owner_change(record: Any, actor: Any, new_owner: Any, *,
                       visibility: str = OWNED) -> bool:
    """Set `record.owner` to `new_owner` if it differs; only managers and admins reassign.

    Returns True when the owner changed (the caller adds "owner" to its update_fields).
    """
    if new_owner is None or new_owner.pk == record.owner_id:
        return False
    if not can_reassign(actor):
        raise PermissionDenied(_("Only managers and admins can reassign the owner."))
    check_can_assign_owner(actor, new_owner, visibility=visibility)
    record.owner = new_owner
    return True
