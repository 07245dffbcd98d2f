"""Opportunity scoring's features (PROCESS.md, "Scoring"): won (1) vs lost (0).

Found by the scoring app (`autodiscover_modules("scoring")`). Features come from one SQL query
per batch (fields, the account's, FILTERed activity aggregates, close-date slips before the
moment) and one for the owner's history. A closed opportunity is seen as of the end of its
actual close date.
"""

from datetime import timedelta

from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from crm.customers.models import Industry
from crm.scoring import sql, words
from crm.scoring.models import CloseDateSlip, OpportunityScore
from crm.scoring.registry import Feature, ScoringSpec, engagement_features, register_spec
from leads.models import LeadSource, Rating
from leads.scoring import QUALIFICATION_FEATURES

from .models import Opportunity, Stage, Status
from .selectors import opportunity_list

CLOSED = (Status.WON, Status.LOST)
POSITIVE = Q(status=Status.WON)
FIELDS = ["source", "rating", "stage", "budget_status", "purchase_timeframe", "need",
          "decision_maker", "estimated_revenue", "stage_entered_at"]

FEATURES = [
    Feature("source", "category", words.choice(_("Source"), LeadSource.choices, _("No source"))),
    Feature("rating", "category", words.choice(_("Rating"), Rating.choices, _("No rating"))),
    Feature("stage", "category", words.choice(_("Stage"), Stage.choices, _("No stage"))),
    *QUALIFICATION_FEATURES,
    Feature("account_industry", "category",
            words.choice(_("Industry"), Industry.choices, _("No industry"))),
    Feature("account_country", "category", words.choice(_("Country"), (), _("No country")),
            min_count=50),
    Feature("estimated_revenue", "bins", words.amount(_("Estimated revenue")),
            edges=(10000, 50000, 100000, 200000)),
    Feature("meetings", "bins",
            words.count(ngettext_lazy("%(count)s meeting in the last 14 days",
                        "%(count)s meetings in the last 14 days", "count"),
                        _("No meeting in the last 14 days")),
            edges=(1, 2)),
    *engagement_features(),
    Feature("close_date_slips", "bins",
            words.count(ngettext_lazy("Close date moved later %(count)s time",
                        "Close date moved later %(count)s times", "count"),
                        _("Close date never moved later")),
            edges=(1, 2, 3)),
    Feature("days_since_touch", "bins", words.days_since_touch, edges=(3, 7, 14, 30, 90)),
    Feature("age", "bins", words.age, edges=(14, 45, 90, 180)),
    Feature("time_in_stage", "bins", words.time_in_stage, edges=(7, 21, 45, 90)),
    Feature("owner_rate", "bins", words.owner_rate(_("Owner's win rate %(percent)s%%")),
            edges=(0.3, 0.45, 0.6, 0.75)),
]


def _closed_asof():
    """The end of the actual close date (the day's activity counts), else the last change."""
    return Coalesce(
        ExpressionWrapper(Cast("actual_close_date", DateTimeField()) + Value(timedelta(days=1)),
                          output_field=DateTimeField()),
        F("updated_at"))


def _slips(asof_ref):
    return Coalesce(Subquery(
        CloseDateSlip.objects.filter(opportunity=OuterRef("pk"), occurred_at__lt=asof_ref)
        .order_by().values("opportunity").annotate(n=Count("id")).values("n")[:1],
        output_field=IntegerField()), Value(0))


def _rows(qs, asof, owner_history, now=None):
    aggregates = sql.activity_aggregates(asof, meeting_days=14, call_days=30, email_days=14)
    values = (qs.annotate(asof=asof, account_industry=F("account__industry"),
                          account_country=F("account__country"),
                          slip_count=_slips(OuterRef("asof") if now is None else now))
              .values("id", "owner_id", "created_at", "asof", "status", "account_industry",
                      "account_country", "slip_count", *FIELDS)
              .annotate(**aggregates).order_by())
    for row in values.iterator(chunk_size=5000):
        moment = row["asof"] or now
        row["close_date_slips"] = row.pop("slip_count")
        row["days_since_touch"] = sql.days_between(moment, row.pop("last_touch"))
        row["age"] = sql.days_between(moment, row["created_at"])
        row["time_in_stage"] = sql.days_between(moment, row.pop("stage_entered_at"))
        if row["estimated_revenue"] is not None:
            row["estimated_revenue"] = float(row["estimated_revenue"])
        prior, positive = owner_history(row)
        row["owner_rate"] = sql.owner_rate(prior, positive)
        row["outcome"] = 1 if row["status"] == Status.WON else 0
        yield row



ROWS = sql.RecordRows(closed=Opportunity.objects.filter(status__in=CLOSED),
                      open=Opportunity.objects.filter(status=Status.OPEN),
                      positive=POSITIVE, closed_asof=_closed_asof, rows=_rows)


SPEC = register_spec(ScoringSpec(
    kind="opportunity", features=FEATURES, closed_rows=ROWS.closed_rows,
    open_rows=ROWS.open_rows, open_id_batches=ROWS.open_id_batches, readable=lambda user: opportunity_list(user=user),
    is_open=lambda opportunity: opportunity.status == Status.OPEN,
    score_model=OpportunityScore, record_field="opportunity",
    outcome_words=(_("won"), _("lost")),
))
