"""Lead widgets for the dashboards (crm.insights): one GROUP BY query each, scoped by ctx."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.insights.admin_home import (
    BAD,
    OK,
    WARN,
    AdminLink,
    AdminStatus,
    StatusLine,
    register_admin_link,
    register_admin_status,
)
from crm.insights.registry import INT, PERCENT, Chart, Column, Widget, list_url, register_widget

from .models import OPEN_STATUSES, ImportStatus, Lead, LeadImport, LeadSource, LeadStatus


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



# --- the admin's home: the last lead import ---------------------------------------------------

def last_import_status() -> StatusLine:
    job = LeadImport.objects.select_related("owner").order_by("-created_at", "-id").first()
    if job is None:
        return StatusLine(gettext("Last lead import"), gettext("none yet"),
                          url=reverse("lead-import"))
    state = {ImportStatus.FAILED: BAD, ImportStatus.DONE: OK}.get(job.status, WARN)
    detail = gettext("%(file)s by %(owner)s: %(created)s created, %(errors)s errors") % {
        "file": job.file_name, "owner": job.owner, "created": job.created_count,
        "errors": job.error_count}
    return StatusLine(gettext("Last lead import"), job.get_status_display(), state=state,
                      detail=detail, url=job.get_absolute_url(),
                      at=job.finished_at or job.created_at)


register_admin_status(AdminStatus("leads.last_import", last_import_status, order=60))
register_admin_link(AdminLink("lead-import", _("Lead import"), "lead-import", order=70))


# --- the chart designer (personal dashboards) --------------------------------------------------


def _register_chart_source():
    from crm.insights.designer import ChartSource, DateSpec, register_chart_source

    from .filters import LeadPageFilter
    from .selectors import lead_list

    register_chart_source(ChartSource(
        key="leads",
        label=_("Leads"),
        list_url_name="lead-list",
        queryset=lambda user: lead_list(user=user),
        filterset=LeadPageFilter,
        money_fields=(("estimated_value", _("Estimated value")),
                      ("budget_amount", _("Budget amount"))),
        choice_fields=(("status", _("Status")), ("source", _("Source")),
                       ("rating", _("Rating"))),
        dates=(DateSpec("created_at", _("Created"), "created_after", "created_before"),),
        fixed_params=(("view", "all"),),  # the list opens on "my open leads" otherwise
        order=10,
    ))


_register_chart_source()
