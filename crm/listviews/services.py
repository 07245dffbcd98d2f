"""Writes of saved views and default views. The HTML pages and the API share these."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.common.services import UNSET, Maybe, given
from crm.common.visibility import is_admin
from crm.users.models import User

from .models import DefaultView, SavedView, SharedWith
from .resources import get_resource
from .selectors import NOT_FILTERS

MAX_FILTERS = 40
MAX_VALUE = 500


def column_keys(resource: str) -> list[str]:
    res = get_resource(resource)
    return [c.key for c in res.view_class.column_choices()] if res else []


def may_share(user: User, shared_with: str) -> bool:
    if shared_with == SharedWith.PRIVATE:
        return True
    if shared_with == SharedWith.TEAM:
        return is_admin(user) or user.role == "manager"
    if shared_with == SharedWith.EVERYONE:
        return is_admin(user)
    return False


def _clean(*, actor: User, resource: str, name: str, filters: Any, ordering: str, columns: Any,
           shared_with: str) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    res = get_resource(resource)
    if res is None:
        errors["resource"] = [_("Unknown list.")]
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the view a name.")]
    elif len(name) > 80:
        errors["name"] = [_("At most 80 characters.")]
    clean_filters = {}
    if not isinstance(filters, dict) or len(filters) > MAX_FILTERS:
        errors["filters"] = [_("Filters are a map of the list's filter names to values.")]
    else:
        for key, value in filters.items():
            values = value if isinstance(value, list) else [value]
            if (not isinstance(key, str) or not key or len(key) > 60 or key in NOT_FILTERS
                    or "\x00" in key or any("\x00" in str(v) for v in values)
                    or len(values) > MAX_FILTERS
                    or not all(isinstance(v, str | int) and not isinstance(v, bool)
                               and len(str(v)) <= MAX_VALUE for v in values)):
                errors["filters"] = [_("Filters are a map of the list's filter names to "
                                       "values.")]
                break
            clean_filters[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
    ordering = ordering or ""
    if not isinstance(ordering, str) or len(ordering) > 60:
        errors["ordering"] = [_("Not a sort of this list.")]
    elif res is not None and ordering and ordering.lstrip("-") not in res.view_class.sort_fields:
        errors["ordering"] = [_("Not a sort of this list.")]
    columns = columns or []
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        errors["columns"] = [_("Columns are a list of column names.")]
    elif res is not None:
        known = column_keys(resource)
        unknown = [c for c in columns if c not in known]
        if unknown:
            errors["columns"] = [_("Unknown columns: %(names)s. Choose from: %(known)s.") % {
                "names": ", ".join(unknown[:10]), "known": ", ".join(known)}]
        columns = list(dict.fromkeys(columns))
    if shared_with not in SharedWith.values:
        errors["shared_with"] = [_("Choose private, team or everyone.")]
    elif not may_share(actor, shared_with):
        errors["shared_with"] = [_("Only managers can share a view with their team, and only "
                                   "admins with everyone.")]
    if errors:
        raise ValidationError(errors)
    return {"resource": resource, "name": name, "filters": clean_filters,
            "ordering": ordering, "columns": columns, "shared_with": shared_with}


def view_create(*, actor: User, resource: str, name: str, filters: dict[str, Any] | None = None,
                ordering: str = "", columns: list[str] | None = None,
                shared_with: str = SharedWith.PRIVATE, make_default: bool = False) -> SavedView:
    data = _clean(actor=actor, resource=resource, name=name, filters=filters or {},
                  ordering=ordering, columns=columns or [], shared_with=shared_with)
    with transaction.atomic():
        view = SavedView.objects.create(owner=actor, **data)
        if make_default:
            default_set(user=actor, resource=resource, saved_view=view)
    return view


def check_can_change(actor: User, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied(_("Only the owner of a view can change or delete it."))


def view_update(*, view: SavedView, actor: User, resource: Maybe[str] = UNSET,
                name: Maybe[str] = UNSET, filters: Maybe[dict[str, Any]] = UNSET,
                ordering: Maybe[str] = UNSET, columns: Maybe[list[str]] = UNSET,
                shared_with: Maybe[str] = UNSET) -> SavedView:
    check_can_change(actor, view)
    current = {"resource": view.resource, "name": view.name, "filters": view.filters,
               "ordering": view.ordering, "columns": view.columns,
               "shared_with": view.shared_with}
    current.update(given(resource=resource, name=name, filters=filters, ordering=ordering,
                         columns=columns, shared_with=shared_with))
    if current["resource"] != view.resource:
        raise ValidationError({"resource": [_("A view stays on its list.")]})
    data = _clean(actor=actor, **current)
    for key, value in data.items():
        setattr(view, key, value)
    view.save()
    return view


def view_delete(*, view: SavedView, actor: User) -> None:
    check_can_change(actor, view)
    view.delete()


def default_set(*, user: User, resource: str, saved_view: SavedView | None = None,
                system_key: str = "") -> DefaultView | None:
    """Make a saved view (readable by `user`) or a system view the list's default; neither:
    back to the list's own default."""
    res = get_resource(resource)
    if res is None:
        raise ValidationError({"resource": [_("Unknown list.")]})
    if saved_view is None and not system_key:
        DefaultView.objects.filter(user=user, resource=resource).delete()
        return None
    if saved_view is not None and saved_view.resource != resource:
        raise ValidationError({"saved_view": [_("That view belongs to another list.")]})
    if saved_view is None and res.system_view(system_key) is None:
        raise ValidationError({"system_key": [_("Unknown view.")]})
    default, _created = DefaultView.objects.update_or_create(
        user=user, resource=resource,
        defaults={"saved_view": saved_view, "system_key": "" if saved_view else system_key})
    return default
