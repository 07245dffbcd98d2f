"""Document numbers from a locked counter row: no gaps, no duplicates under concurrency."""

from django.db import IntegrityError, transaction

from .models import DocumentSequence


def next_number(series: str) -> int:
    """Return the next value of `series`; must run inside the caller's transaction.

    The counter row is locked with SELECT ... FOR UPDATE, so concurrent callers queue up and a
    rolled-back caller gives its number back (no gap).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must be called inside transaction.atomic()")
    seq = DocumentSequence.objects.select_for_update().filter(name=series).first()
    if seq is None:
        try:
            with transaction.atomic():
                DocumentSequence.objects.create(name=series, last_value=0)
        except IntegrityError:
            pass  # another transaction created it first; lock it below
        seq = DocumentSequence.objects.select_for_update().get(name=series)
    seq.last_value += 1
    seq.save(update_fields=["last_value"])
    return seq.last_value
