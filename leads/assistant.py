"""Assistant rules about leads: a new lead not contacted after 48 hours, an open lead with no
activity for 7 days (thresholds in AssistantSettings)."""

from datetime import timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.assistant.helpers import fmt_date, fmt_datetime, local_date, plural, recently_active
from crm.assistant.models import Priority
from crm.assistant.registry import CardSpec, Rule, register_rule
from crm.assistant.signals import refresh_receiver

from .models import OPEN_STATUSES, Lead, LeadStatus

RECORD_TYPE = "lead"
MODEL = "leads.Lead"


# --- new lead not contacted ---------------------------------------------------------------------
def _uncontacted_after(ctx) -> timedelta:
    return timedelta(hours=ctx.settings.lead_uncontacted_hours)


def _uncontacted(ctx):
    return Lead.objects.filter(status=LeadStatus.NEW,
                               created_at__lte=ctx.now - _uncontacted_after(ctx)).only(
        "id", "owner_id", "created_at", "first_name", "last_name", "company", "topic")


def _build_uncontacted(ctx, lead):
    hours = int((ctx.now - lead.created_at).total_seconds() // 3600)
    age = plural(hours // 24, _("day")) if hours >= 72 else plural(hours, _("hour"))
    return CardSpec(
        user_id=lead.owner_id, priority=Priority.HIGH,
        due_date=local_date(lead.created_at + _uncontacted_after(ctx)),
        title=_("New lead not contacted: %(lead)s") % {"lead": lead},
        body=_("Created %(when)s, %(age)s ago, and nobody has contacted %(lead)s yet.") % {
            "when": fmt_datetime(lead.created_at), "age": age, "lead": lead.display_name},
    )


register_rule(Rule(
    kind="lead_not_contacted", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("New lead not contacted"), queryset=_uncontacted,
    build=_build_uncontacted,
    boundary=lambda ctx, since, now: Q(created_at__gt=since - _uncontacted_after(ctx),
                                       created_at__lte=now - _uncontacted_after(ctx)),
))


# --- no activity --------------------------------------------------------------------------------
def _idle_after(ctx) -> timedelta:
    return timedelta(days=ctx.settings.lead_idle_days)


def _idle(ctx):
    return Lead.objects.filter(status__in=OPEN_STATUSES).annotate(
        last_touch=Coalesce("last_activity_at", "created_at")
    ).filter(last_touch__lte=ctx.now - _idle_after(ctx)).only(
        "id", "owner_id", "created_at", "last_activity_at", "first_name", "last_name",
        "company", "topic", "estimated_close_date")


def _build_idle(ctx, lead):
    days = (ctx.now - lead.last_touch).days
    since = (_("last activity on %(date)s") % {"date": fmt_date(local_date(lead.last_activity_at))}
             if lead.last_activity_at else
             _("none since it was created on %(date)s") % {"date": fmt_date(
                 local_date(lead.created_at))})
    closing = (_(", closing %(date)s") % {"date": fmt_date(lead.estimated_close_date)}
               if lead.estimated_close_date else "")
    return CardSpec(
        user_id=lead.owner_id, priority=Priority.NORMAL,
        due_date=local_date(lead.last_touch + _idle_after(ctx)),
        title=_("No activity on lead %(lead)s") % {"lead": lead},
        body=_("No activity for %(days)s on %(lead)s (%(since)s)%(closing)s.") % {
            "days": plural(days, _("day")), "lead": lead.display_name, "since": since,
            "closing": closing},
    )


def _idle_boundary(ctx, since, now):
    idle = _idle_after(ctx)
    return (Q(last_activity_at__gt=since - idle, last_activity_at__lte=now - idle)
            | Q(last_activity_at__isnull=True, created_at__gt=since - idle,
                created_at__lte=now - idle))


register_rule(Rule(
    kind="lead_no_activity", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("No activity on a lead"), queryset=_idle, build=_build_idle,
    exclude=lambda ctx, ids: recently_active("lead", ids, ctx.now - _idle_after(ctx)),
    changed=lambda ctx, since: Q(updated_at__gte=since) | Q(last_activity_at__gte=since),
    boundary=_idle_boundary,
))

post_save.connect(refresh_receiver(RECORD_TYPE), sender=Lead, dispatch_uid="assistant_lead_saved",
                  weak=False)
post_delete.connect(refresh_receiver(RECORD_TYPE), sender=Lead,
                    dispatch_uid="assistant_lead_deleted", weak=False)
