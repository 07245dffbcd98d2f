"""Lead widgets for the dashboards (crm.insights): one GROUP BY query each, scoped by ctx."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from crm.insights.registry import INT, PERCENT, Chart, Column, Widget, list_url, register_widget

from .models import OPEN_STATUSES, Lead, LeadSource, LeadStatus


def open_by_status(ctx):
    counts = dict(
        ctx.scope(Lead.objects.filter(status__in=OPEN_STATUSES))
        .order_by().values_list("status").annotate(n=Count("id"))
    )
    labels = dict(LeadStatus.choices)
    return [{"status": s, "label": str(labels[s]), "count": counts.get(s, 0)}
            for s in OPEN_STATUSES]


register_widget(Widget(
    name="leads.open_by_status",
    title=_("Open leads by status"),
    columns=(Column("label", _("Status")), Column("count", _("Leads"), INT)),
    compute=open_by_status,
    chart=Chart(type="bar", series=(("count", _("Leads")),)),
    uses_period=False,
    link=lambda ctx, row: list_url("lead-list", status=row["status"], **ctx.link_params()),
    order=10,
))


def by_source(ctx):
    """Leads created in the period per source; conversion rate = qualified / all."""
    rows = (
        ctx.scope(Lead.objects.filter(ctx.period.q("created_at", is_datetime=True)))
        .order_by().values("source")
        .annotate(leads=Count("id"), qualified=Count("id", filter=Q(status=LeadStatus.QUALIFIED)))
        .order_by("-leads", "source")
    )
    labels = dict(LeadSource.choices)
    result = []
    for row in rows:
        rate = round(row["qualified"] * 100 / row["leads"], 1) if row["leads"] else 0
        result.append({"source": row["source"] or "",
                       "label": str(labels.get(row["source"], row["source"] or _("No source"))),
                       "leads": row["leads"], "qualified": row["qualified"],
                       "conversion_rate": rate})
    return result


register_widget(Widget(
    name="leads.by_source",
    title=_("Leads by source"),
    description=_("Leads created in the period and the share qualified."),
    columns=(Column("label", _("Source")), Column("leads", _("Leads"), INT),
             Column("qualified", _("Qualified"), INT),
             Column("conversion_rate", _("Conversion rate"), PERCENT)),
    compute=by_source,
    chart=Chart(type="bar", series=(("leads", _("Leads")), ("qualified", _("Qualified")))),
    link=lambda ctx, row: list_url("lead-list", source=row["source"], **ctx.link_params()),
    order=30,
))
