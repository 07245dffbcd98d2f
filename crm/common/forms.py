from datetime import UTC, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from crm.common.errors import DomainError, error_text
from crm.common.visibility import assignable_users, can_reassign


class OwnerFieldMixin:
    """Owner select limited to the users the current user may assign records to.

    Sellers cannot reassign: the field is shown read-only for them.
    Pass `user=request.user` to the form.
    """

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "owner" not in self.fields:
            return
        field = self.fields["owner"]
        field.queryset = assignable_users(user)
        field.required = False
        field.help_text = _("Leave empty to own it yourself.")
        if not can_reassign(user):
            field.disabled = True
            field.help_text = _("Only managers and admins can reassign records.")
            if not self.instance.pk:
                field.initial = user.pk



def add_domain_error(form, exc: BaseException) -> None:
    """Show a service's refusal on the form it came from: each error on the field it names (a
    ValidationError's fields, or a DomainError's `fields`); errors naming no field of this form,
    and refusals naming none at all, on the form itself."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        fields = exc.error_dict
    elif isinstance(exc, DomainError):
        fields = exc.extra.get("fields") or {}
    else:
        fields = {}
    if not fields:
        form.add_error(None, exc if isinstance(exc, ValidationError) else error_text(exc))
        return
    for name, errors in fields.items():
        form.add_error(name if name in form.fields else None, errors)


# PostgreSQL stores `timestamp with time zone` for years 1..9999 (here: what Python's datetime
# holds) and takes UTC offsets up to 15:59; Python parses offsets up to 23:59. A value outside
# either range reaches the database as "time zone displacement out of range" (a 500).
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


def check_storable_datetime(value):
    """`value` as an aware UTC datetime PostgreSQL can hold, or a ValidationError saying why."""
    if value is None or not isinstance(value, datetime):
        return value
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise forms.ValidationError(
            _("The UTC offset must be between -15:59 and +15:59."), code="offset_out_of_range")
    if offset is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise forms.ValidationError(_("The date is out of range (years 1 to 9999)."),
                                    code="date_out_of_range") from None


class StorableIsoDateTimeField(IsoDateTimeField):
    """django-filter's ISO 8601 field refusing datetimes PostgreSQL cannot hold (400, not 500)."""

    def to_python(self, value):
        return check_storable_datetime(super().to_python(value))


class StorableDateTimeField(forms.DateTimeField):
    """A form DateTimeField with the same bounds (offset within +-15:59, years 1..9999)."""

    def to_python(self, value):
        return check_storable_datetime(super().to_python(value))
