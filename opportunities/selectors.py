"""Every read of opportunities, already scoped to what the user may see."""

from django.db.models import Count, F, Q, Sum

from crm.common.versions import table_version
from crm.common.visibility import get_readable_or_404, scope_readable

from .models import (
    STAGE_ORDER,
    CloseRecord,
    Opportunity,
    OpportunityLine,
    StageChange,
    StageStep,
    Status,
)


def opportunity_list(*, user):
    """Opportunities `user` may read, shaped for list pages, the board and the API."""
    return scope_readable(
        Opportunity.objects.select_related("owner", "account", "contact"), user
    )


def opportunity_get(*, user, pk) -> Opportunity:
    return get_readable_or_404(
        Opportunity.objects.select_related("owner", "account", "contact", "price_list"),
        user, pk=pk,
    )


# What the record page's header and details show of the related rows: building the SQL of
# every column of five tables cost more than running it (~1 ms of the page).
PAGE_RELATED_FIELDS = ("owner__username", "owner__first_name", "owner__last_name",
                       "account__name", "contact__first_name", "contact__last_name",
                       "price_list__name", "price_list__currency")


def opportunity_get_for_page(*, user, pk) -> Opportunity:
    """`opportunity_get` for the record page: every field of the opportunity, of its owner,
    account, contact and price list only what the page shows (the rest loads if read)."""
    own = [f.attname for f in Opportunity._meta.concrete_fields]
    return get_readable_or_404(
        Opportunity.objects.select_related("owner", "account", "contact", "price_list")
        .only(*own, *PAGE_RELATED_FIELDS),
        user, pk=pk,
    )


def opportunity_lines(*, opportunity):
    return OpportunityLine.objects.filter(opportunity=opportunity).select_related("product")


def opportunity_stage_history(*, opportunity, limit=50):
    return StageChange.objects.filter(opportunity=opportunity).select_related("actor")[:limit]


def opportunity_close_records(*, opportunity):
    return CloseRecord.objects.filter(opportunity=opportunity).select_related("actor")


_steps_by_version: dict[int, dict[str, list[StageStep]]] = {}


def stage_steps() -> dict[str, list[StageStep]]:
    """All steps grouped by stage, in flow order: one query after each change of the steps,
    kept in the process under the table's version (crm.common.versions: any write bumps it);
    every page of an opportunity reads them. The steps are shared: read them, never change
    them."""
    version = table_version("opportunities.StageStep")
    grouped = _steps_by_version.get(version)
    if grouped is None:
        grouped = {stage: [] for stage in STAGE_ORDER}
        for step in StageStep.objects.order_by("stage_order", "order", "id"):
            grouped[step.stage].append(step)
        _steps_by_version.clear()
        _steps_by_version[version] = grouped
    return {stage: list(steps) for stage, steps in grouped.items()}


def opportunity_process(*, opportunity, steps=None) -> list[dict]:
    """The business process flow of one opportunity: every stage with its steps, whether each
    step is required and done; the shape of `GET opportunities/{id}/stage/`."""
    steps = steps if steps is not None else stage_steps()
    current = STAGE_ORDER.index(opportunity.stage)
    stages = []
    for index, stage in enumerate(STAGE_ORDER):
        rows = []
        for step in steps[stage]:
            field = Opportunity._meta.get_field(step.field)
            rows.append({
                "field": step.field,
                "label": step.label,
                "type": step.type,
                "choices": [{"value": v, "label": str(lbl)} for v, lbl in field.choices]
                if field.choices else [],
                "required": step.required,
                "alternative": step.alternative,
                "done": opportunity.step_is_filled(step.field) or bool(
                    step.alternative and opportunity.step_is_filled(step.alternative)
                ),
                "value": _step_value(opportunity, step.field),
            })
        stages.append({
            "name": stage,
            "label": str(Opportunity._meta.get_field("stage").choices[index][1]),
            "position": "done" if index < current else ("current" if index == current else "todo"),
            "steps": rows,
        })
    return stages


def _step_value(opportunity, field):
    if field in ("account", "contact"):
        return getattr(opportunity, f"{field}_id")
    return getattr(opportunity, field)


CARD_FIELDS = (
    "id", "topic", "stage", "status", "owner_id", "account_id", "contact_id", "currency",
    "estimated_revenue", "estimated_close_date", "probability",
    "owner__username", "owner__first_name", "owner__last_name",
    "account__name", "contact__first_name", "contact__last_name",
)


def pipeline_columns(*, queryset, limit_per_stage=50, velocity_owner_ids=None,
                     with_cards=True) -> list[dict]:
    """The board: per stage of open opportunities, the count, summed estimated revenue, the
    average time spent in the stage (from the stage-time rollup of `velocity_owner_ids`, None:
    everyone) and, `with_cards`, the first cards by revenue. Two queries, plus one per stage
    with the cards; the board page itself loads each lane's cards on demand (`lane_cards`)."""
    from .rollups import stage_velocity as rolled_up_velocity

    velocity = rolled_up_velocity(velocity_owner_ids)
    queryset = queryset.filter(status=Status.OPEN)
    totals = {
        row["stage"]: row
        for row in queryset.order_by().values("stage").annotate(
            count=Count("id"), revenue=Sum("estimated_revenue")
        )
    }
    labels = dict(Opportunity._meta.get_field("stage").choices)
    columns = []
    for stage in STAGE_ORDER:
        total = totals.get(stage, {})
        columns.append({
            "stage": stage,
            "label": labels[stage],
            "count": total.get("count", 0),
            "revenue": total.get("revenue") or 0,
            "cards": lane_cards(queryset=queryset, stage=stage, limit=limit_per_stage)
            if with_cards else None,
            "average_time": velocity.get(stage),
        })
    return columns


def lane_cards(*, queryset, stage: str, limit=50) -> list:
    """The first open cards of one board lane by revenue: one LIMIT query walking the
    (status, stage, -estimated_revenue) index; only what a card shows is loaded, with the
    score's grade (`score_grade`, joined in the same query; None when not scored)."""
    return list(
        queryset.filter(status=Status.OPEN, stage=stage).only(*CARD_FIELDS)
        .annotate(score_grade=F("score_row__grade"))
        .order_by("-estimated_revenue", "-id")[:limit]
    )


def lane_count(*, queryset, stage: str) -> int:
    return queryset.filter(status=Status.OPEN, stage=stage).order_by().count()


def stage_velocity(*, queryset) -> dict[str, object]:
    """Average time opportunities spent in each stage before leaving it (forward or back),
    over the given opportunities' stage history: stage -> timedelta (one query). A scan of the
    history: pages use the rollup (`rollups.stage_velocity`) instead."""
    from django.db.models import Avg

    rows = (
        StageChange.objects.filter(opportunity__in=queryset.order_by().values("pk"),
                                   time_in_previous_stage__isnull=False)
        .exclude(from_stage="")
        .values("from_stage").annotate(avg=Avg("time_in_previous_stage"), moves=Count("id"))
    )
    return {row["from_stage"]: row["avg"] for row in rows}


def opportunity_totals(*, queryset) -> dict:
    return queryset.order_by().aggregate(
        count=Count("id"),
        estimated=Sum("estimated_revenue"),
        open_estimated=Sum("estimated_revenue", filter=Q(status=Status.OPEN)),
        won=Sum("actual_revenue", filter=Q(status=Status.WON)),
    )


def opportunity_search(user, term, limit=8):
    return opportunity_list(user=user).filter(
        Q(topic__icontains=term) | Q(account__name__icontains=term)
    ).order_by("-created_at")[:limit]
