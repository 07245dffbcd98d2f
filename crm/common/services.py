"""What every app's services share: `model_update` and the `UNSET` default of update services.

An update service names each field it changes as a keyword-only parameter defaulting to `UNSET`
("not given", which differs from None, a value), so a misspelt or unknown name is a TypeError
at the call instead of being dropped silently. It passes `given(...)` of those parameters to
`model_update`, which sets and saves only what actually changed.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, Final, Literal, TypeAlias, TypeVar

from django.db import models


class _Unset(enum.Enum):
    UNSET = enum.auto()

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = _Unset.UNSET
"""The default of an update service's field parameters: the caller did not give this field."""

T = TypeVar("T")
Maybe: TypeAlias = T | Literal[_Unset.UNSET]
"""`Maybe[str]`: a `str`, or `UNSET` when the caller did not give it."""

M = TypeVar("M", bound=models.Model)


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments that are not `UNSET` (what the caller actually passed)."""
    return {name: value for name, value in values.items() if value is not UNSET}


def _differs(instance: models.Model, field: models.Field[Any, Any], value: Any) -> bool:
    if field.is_relation and field.many_to_one:
        # Compare ids: reading `instance.<fk>` would load the related row just to compare.
        new_id = value.pk if isinstance(value, models.Model) else value
        return bool(getattr(instance, field.attname) != new_id)
    return bool(getattr(instance, field.attname) != value)


def model_update(
    *,
    instance: M,
    fields: Collection[str],
    data: Mapping[str, Any],
    changed: Iterable[str] = (),
    validate: Callable[[M, list[str]], Iterable[str] | None] | None = None,
) -> tuple[M, bool]:
    """Set the `fields` present in `data` whose value differs, validate, save only those.

    - A name in `data` that is not in `fields` is a TypeError (a caller's mistake, never
      dropped silently); a name in `fields` but not in `data` is left alone.
    - `changed` names fields the caller already set on the instance (an owner change, say);
      they count as changes and are saved too.
    - Nothing changed: no validation, no query, `(instance, False)`. A new instance (not
      saved yet: a create-or-update service's create) is always validated and saved whole.
    - Otherwise `validate(instance, changed_names)` runs if given (it may raise, and may set
      further fields and return their names to save as well), else `instance.full_clean()`;
      then `save(update_fields=...)`. `BaseModel.save` adds `version` (+1) and `updated_at`; any
      other model with an `updated_at` field gets it added here.
    Returns `(instance, has_updated)`.
    """
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise TypeError(f"{type(instance).__name__} does not update {', '.join(unknown)} "
                        f"(updatable: {', '.join(fields)})")
    opts = instance._meta
    update_fields = list(dict.fromkeys(changed))
    for name, value in data.items():
        field = opts.get_field(name)
        if not isinstance(field, models.Field) or field.many_to_many:
            raise TypeError(f"{type(instance).__name__}.{name} is not a column")
        if _differs(instance, field, value):
            setattr(instance, name, value)
            if name not in update_fields:
                update_fields.append(name)
    adding = instance._state.adding
    if not update_fields and not adding:
        return instance, False
    if validate is None:
        instance.full_clean()
    else:
        more = validate(instance, list(update_fields))
        if more:
            update_fields += [name for name in more if name not in update_fields]
    if adding:
        instance.save()
        return instance, True
    if any(f.name == "updated_at" for f in opts.concrete_fields) and \
            "updated_at" not in update_fields:
        update_fields.append("updated_at")
    instance.save(update_fields=update_fields)
    return instance, True
