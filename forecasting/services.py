"""Every write of the forecasting app: quotas, manager adjustments, daily snapshots, and the
forecast category an opportunity is set to from the grid (through the opportunities service)."""

import csv
import io
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.common.errors import BusinessRuleViolation
from crm.common.money import round_money, to_decimal
from crm.common.visibility import is_admin, subordinate_ids
from crm.insights.periods import Period, month_period, quarter_containing
from crm.users.models import User
from opportunities.models import OPEN_FORECAST_CATEGORIES
from opportunities.services import opportunity_update

from . import rollup, selectors
from .models import ForecastAdjustment, ForecastSnapshot, Quota


def can_set_quota(actor, user) -> bool:
    """Quotas are set by the user's managers (transitively) and by admins."""
    return is_admin(actor) or (actor.role == "manager" and user.pk in subordinate_ids(actor))


def _amount(value, field="amount") -> Decimal:
    try:
        amount = round_money(to_decimal(value))
    except (TypeError, ValueError):
        raise BusinessRuleViolation(_("Enter an amount."), fields={field: [_("Not a number.")]})
    if amount < 0:
        raise BusinessRuleViolation(_("The amount cannot be negative."),
                                    fields={field: [_("Must be zero or more.")]})
    return amount


@transaction.atomic
def quota_set(*, actor, user: User, period: Period, amount) -> Quota:
    """Set `user`'s quota for a month or quarter (create or replace). Refused (403) unless the
    actor manages the user or is an admin; a negative amount is a validation error."""
    if not can_set_quota(actor, user):
        raise PermissionDenied(_("You may set quotas only for the people below you."))
    amount = _amount(amount)
    quota, created = Quota.objects.select_for_update().get_or_create(
        user=user, period_type=period.kind, period_start=period.start,
        defaults={"amount": amount, "set_by": actor},
    )
    if not created and quota.amount != amount:
        quota.amount = amount
        quota.set_by = actor
        quota.save(update_fields=["amount", "set_by"])
    rollup.bump_version()  # the grid shows the new quota at once
    return quota


class QuotaUploadResult:
    def __init__(self):
        self.saved = 0
        self.errors: list[str] = []


def quota_upload(*, actor, file_text: str) -> QuotaUploadResult:
    """Quotas from CSV: columns `username`, `period` (2026-11 or 2026-Q4), `amount`.

    Every valid row is saved; each invalid row is reported with its line number (unknown
    user, a user the actor may not set quotas for, a bad period or amount)."""
    result = QuotaUploadResult()
    reader = csv.DictReader(io.StringIO(file_text.lstrip("\ufeff")))
    headers = {h.strip().lower() for h in (reader.fieldnames or [])}
    if not {"username", "period", "amount"} <= headers:
        result.errors.append(_("The file needs the columns username, period and amount."))
        return result
    rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            for row in reader]
    users = {u.username.lower(): u for u in User.objects.filter(
        username__in=[r.get("username", "") for r in rows])}
    for line, row in enumerate(rows, start=2):
        user = users.get(row.get("username", "").lower())
        if user is None:
            result.errors.append(_("Line %(line)d: no user %(name)s.") %
                                 {"line": line, "name": row["username"]})
            continue
        try:
            if not row.get("period"):
                raise ValueError(_("no period"))
            period = selectors.forecast_period(row["period"])
            with transaction.atomic():
                quota_set(actor=actor, user=user, period=period, amount=row["amount"])
        except ValueError as exc:
            result.errors.append(_("Line %(line)d: %(error)s") % {"line": line, "error": exc})
        except PermissionDenied as exc:
            result.errors.append(_("Line %(line)d: %(error)s") % {"line": line, "error": exc})
        except BusinessRuleViolation as exc:
            result.errors.append(_("Line %(line)d: %(error)s") %
                                 {"line": line, "error": exc.message})
        else:
            result.saved += 1
    return result


@transaction.atomic
def forecast_adjust(*, actor, user: User, period: Period, amount=None, note: str,
                    reset: bool = False) -> ForecastAdjustment:
    """Adjust `user`'s forecast row for the period to `amount` (or, with `reset`, return it to
    the system value). A note is required. Refused (403) unless the actor is a manager of the
    row (their own or a row below them) or an admin. The adjustment is a new history row; the
    rows above see the change through the rollup."""
    if not selectors.can_adjust(actor, user):
        raise PermissionDenied(_("Only the managers above this row can adjust it."))
    note = (note or "").strip()
    if not note:
        raise BusinessRuleViolation(_("Say why you adjust the forecast."),
                                    fields={"note": [_("A note is required.")]})
    # Serialise adjustments of one row so each history entry records the value it replaced.
    User.objects.select_for_update().filter(pk=user.pk).first()
    row = selectors.forecast_tree(viewer=actor, root=user, period=period)
    previous = row.forecast
    if reset:
        if not row.is_adjusted:
            raise BusinessRuleViolation(_("This row has no adjustment to reset."))
        new_amount = None
    else:
        new_amount = _amount(amount)
    adjustment = ForecastAdjustment.objects.create(
        user=user, period_type=period.kind, period_start=period.start, amount=new_amount,
        previous_amount=previous, system_amount=row.system_forecast, is_reset=reset, note=note,
        adjusted_by=actor,
    )
    rollup.bump_version()  # the grid shows the adjustment at once
    return adjustment


def forecast_set_category(*, actor, opportunity, category: str):
    """Set an open opportunity's forecast category from the grid. Won and lost are set by
    closing the opportunity, never by hand (refused as a validation error)."""
    if category not in OPEN_FORECAST_CATEGORIES:
        raise BusinessRuleViolation(
            _("Won and lost are set by closing the opportunity."),
            fields={"forecast_category": [_("Choose pipeline, best case, committed or "
                                             "omitted.")]},
        )
    with transaction.atomic():
        updated = opportunity_update(opportunity=opportunity, actor=actor,
                                     forecast_category=category)
        rollup.bump_version()  # the grid shows the new category at once
    return updated


def forecast_snapshot_take(*, today=None) -> int:
    """Store today's rolled-up row of every user for the current month and quarter.

    Idempotent: a second run on the same day replaces that day's rows."""
    today = today or timezone.localdate()
    saved = 0
    for period in (month_period(today), quarter_containing(today)):
        snapshots = []
        for tree in selectors.build_forest(period=period):
            for row in tree.walk():
                snapshots.append(ForecastSnapshot(
                    user=row.user, period_type=period.kind, period_start=period.start,
                    taken_on=today, adjusted=row.forecast,
                    **{c: row.total[c] for c in selectors.COLUMNS},
                ))
        with transaction.atomic():
            ForecastSnapshot.objects.bulk_create(
                snapshots, update_conflicts=True,
                unique_fields=["user", "period_type", "period_start", "taken_on"],
                update_fields=["adjusted", *selectors.COLUMNS, "created_at"],
            )
        saved += len(snapshots)
    return saved
