"""Deleting a record that others refer to: refused with what refers to it (API.md, Errors)."""

from collections import Counter

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import translation
from django.utils.translation import gettext as _

from .errors import RecordInUse


def referenced_by(exc: ProtectedError | RestrictedError) -> dict[str, int]:
    """`{"opportunities": 2, ...}`: how many records of each kind block the delete."""
    objects = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    counts: Counter = Counter()
    with translation.override("en"):  # keys are part of the API, not the user's language
        for obj in objects:
            counts[str(obj._meta.verbose_name_plural).replace(" ", "_")] += 1
    return dict(sorted(counts.items()))


def record_in_use(exc: ProtectedError | RestrictedError) -> RecordInUse:
    counts = referenced_by(exc)
    kinds = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())
    return RecordInUse(
        _("This record cannot be deleted: %(kinds)s refer to it.") % {"kinds": kinds},
        referenced_by=counts,
    )


def delete_or_refuse(instance) -> None:
    """Delete `instance`, or raise RecordInUse (409 `record_in_use`) when protected or
    restricted foreign keys point at it. Nothing is deleted in that case: Django collects the
    related rows before it deletes any, and the savepoint undoes anything else."""
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise record_in_use(exc) from None


__all__ = ["delete_or_refuse", "record_in_use", "referenced_by"]
