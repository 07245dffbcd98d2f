"""Lead scoring's features (PROCESS.md, "Scoring"): qualified (1) vs disqualified (0).

Found by the scoring app (`autodiscover_modules("scoring")`). All features come from one SQL
query per batch (fields + FILTERed activity aggregates) and one for the owner's history.
"""

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from crm.customers.models import Industry
from crm.scoring import sql, words
from crm.scoring.models import LeadScore
from crm.scoring.registry import Feature, ScoringSpec, engagement_features, register_spec

from .models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    BudgetStatus,
    Lead,
    LeadSource,
    LeadStatus,
    Need,
    PurchaseTimeframe,
    Rating,
)
from .selectors import lead_list

FIELDS = ["source", "rating", "industry", "budget_status", "purchase_timeframe", "need",
          "decision_maker", "country", "employees", "estimated_value"]
POSITIVE = Q(status=LeadStatus.QUALIFIED)

# The qualification a lead carries into its opportunity (opportunities/scoring.py uses them too).
QUALIFICATION_FEATURES = [
    Feature("budget_status", "category",
            words.choice(_("Budget"), BudgetStatus.choices, _("Budget unknown"))),
    Feature("purchase_timeframe", "category",
            words.choice(_("Purchase timeframe"), PurchaseTimeframe.choices,
                         _("No purchase timeframe"))),
    Feature("need", "category", words.choice(_("Need"), Need.choices, _("Need unknown"))),
    Feature("decision_maker", "category",
            words.choice(_("Decision maker identified"), (), _("Decision maker unknown"))),
]

FEATURES = [
    Feature("source", "category", words.choice(_("Source"), LeadSource.choices, _("No source"))),
    Feature("rating", "category", words.choice(_("Rating"), Rating.choices, _("No rating"))),
    Feature("industry", "category",
            words.choice(_("Industry"), Industry.choices, _("No industry"))),
    *QUALIFICATION_FEATURES,
    Feature("country", "category", words.choice(_("Country"), (), _("No country")),
            min_count=50),
    Feature("employees", "bins", words.number(_("Employees")),
            edges=(10, 50, 250, 1000, 5000)),
    Feature("estimated_value", "bins", words.amount(_("Estimated value")),
            edges=(5000, 20000, 50000, 100000)),
    Feature("meetings", "bins",
            words.count(ngettext_lazy("%(count)s meeting in the last 30 days",
                        "%(count)s meetings in the last 30 days", "count"),
                        _("No meeting in the last 30 days")),
            edges=(1, 2)),
    *engagement_features(),
    Feature("days_since_touch", "bins", words.days_since_touch, edges=(3, 7, 14, 30, 90)),
    Feature("age", "bins", words.age, edges=(7, 30, 90, 180)),
    Feature("owner_rate", "bins",
            words.owner_rate(_("Owner's qualification rate %(percent)s%%")),
            edges=(0.2, 0.35, 0.5, 0.65)),
]


def _rows(qs, asof, owner_history: dict, now=None):
    aggregates = sql.activity_aggregates(asof, meeting_days=30, call_days=30, email_days=14)
    values = qs.annotate(asof=asof).values("id", "owner_id", "created_at", "asof", *FIELDS,
                                           "status") \
        .annotate(**aggregates).order_by()
    for row in values.iterator(chunk_size=5000):
        moment = row["asof"] or now
        row["days_since_touch"] = sql.days_between(moment, row.pop("last_touch"))
        row["age"] = sql.days_between(moment, row["created_at"])
        if row["estimated_value"] is not None:
            row["estimated_value"] = float(row["estimated_value"])
        prior, positive = owner_history(row)
        row["owner_rate"] = sql.owner_rate(prior, positive)
        row["outcome"] = 1 if row["status"] == LeadStatus.QUALIFIED else 0
        yield row


def _closed_asof():
    return Coalesce(F("status_changed_at"), F("updated_at"))


ROWS = sql.RecordRows(closed=Lead.objects.filter(status__in=CLOSED_STATUSES),
                      open=Lead.objects.filter(status__in=OPEN_STATUSES),
                      positive=POSITIVE, closed_asof=_closed_asof, rows=_rows)


SPEC = register_spec(ScoringSpec(
    kind="lead", features=FEATURES, closed_rows=ROWS.closed_rows, open_rows=ROWS.open_rows,
    open_id_batches=ROWS.open_id_batches, readable=lambda user: lead_list(user=user),
    is_open=lambda lead: lead.status in OPEN_STATUSES, score_model=LeadScore,
    record_field="lead", outcome_words=(_("qualified"), _("disqualified")),
))
