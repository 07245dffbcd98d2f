"""Assistant rules about open opportunities: close date within 7 days or missed, no activity for
14 days, the same stage for 30 days (thresholds in AssistantSettings)."""

from datetime import timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.assistant.helpers import (
    date_crossed,
    day_start,
    fmt_date,
    local_date,
    plural,
    recently_active,
)
from crm.assistant.models import Priority
from crm.assistant.registry import CardSpec, Rule, register_rule
from crm.assistant.signals import refresh_receiver
from crm.common.formatting import format_money

from .models import Opportunity, Status

RECORD_TYPE = "opportunity"
MODEL = "opportunities.Opportunity"
# Every FSM field must be loaded: django-fsm reads them all when an instance is built.
FIELDS = ("id", "owner_id", "topic", "status", "status_reason", "stage", "stage_entered_at",
          "created_at",
          "last_activity_at", "estimated_close_date", "estimated_revenue", "currency")


def _open():
    return Opportunity.objects.filter(status=Status.OPEN).only(*FIELDS)


def _value(opp) -> str:
    return format_money(opp.estimated_revenue or 0, opp.currency)


# --- close date ---------------------------------------------------------------------------------
def _closing_soon(ctx):
    return _open().filter(
        estimated_close_date__gte=ctx.today,
        estimated_close_date__lte=ctx.today + timedelta(days=ctx.settings.close_date_days),
    )


def _build_closing_soon(ctx, opp):
    days = (opp.estimated_close_date - ctx.today).days
    when = _("today") if days == 0 else _("in %(days)s") % {"days": plural(days, _("day"))}
    return CardSpec(
        user_id=opp.owner_id, due_date=opp.estimated_close_date,
        priority=Priority.HIGH if days <= 1 else Priority.NORMAL,
        title=_("Closing soon: %(opp)s") % {"opp": opp.topic},
        body=_("%(opp)s is due to close %(when)s (%(date)s), worth %(value)s, in stage "
               "%(stage)s.") % {"opp": opp.topic, "when": when,
                                "date": fmt_date(opp.estimated_close_date),
                                "value": _value(opp), "stage": opp.get_stage_display()},
        valid_until=day_start(opp.estimated_close_date + timedelta(days=1)),
    )


register_rule(Rule(
    kind="opportunity_closing_soon", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("Close date coming up"), queryset=_closing_soon,
    build=_build_closing_soon,
    boundary=lambda ctx, since, now: date_crossed(
        "estimated_close_date", since, now, offset_days=-ctx.settings.close_date_days),
))


def _close_missed(ctx):
    return _open().filter(estimated_close_date__lt=ctx.today)


def _build_close_missed(ctx, opp):
    days = (ctx.today - opp.estimated_close_date).days
    return CardSpec(
        user_id=opp.owner_id, due_date=opp.estimated_close_date, priority=Priority.HIGH,
        title=_("Close date missed: %(opp)s") % {"opp": opp.topic},
        body=_("%(opp)s was due to close on %(date)s, %(days)s ago, and is still open "
               "(%(value)s). Win, lose or move the date.") % {
            "opp": opp.topic, "date": fmt_date(opp.estimated_close_date),
            "days": plural(days, _("day")), "value": _value(opp)},
    )


register_rule(Rule(
    kind="opportunity_close_missed", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("Close date missed"), queryset=_close_missed, build=_build_close_missed,
    boundary=lambda ctx, since, now: date_crossed("estimated_close_date", since, now,
                                                  offset_days=1),
))


# --- no activity --------------------------------------------------------------------------------
def _idle_after(ctx) -> timedelta:
    return timedelta(days=ctx.settings.opportunity_idle_days)


def _idle(ctx):
    return _open().annotate(last_touch=Coalesce("last_activity_at", "created_at")).filter(
        last_touch__lte=ctx.now - _idle_after(ctx))


def _build_idle(ctx, opp):
    days = (ctx.now - opp.last_touch).days
    closing = (_(", closing %(date)s") % {"date": fmt_date(opp.estimated_close_date)}
               if opp.estimated_close_date else "")
    return CardSpec(
        user_id=opp.owner_id, priority=Priority.NORMAL,
        due_date=local_date(opp.last_touch + _idle_after(ctx)),
        title=_("No activity on %(opp)s") % {"opp": opp.topic},
        body=_("No activity for %(days)s on %(opp)s%(closing)s.") % {
            "days": plural(days, _("day")), "opp": opp.topic, "closing": closing},
    )


def _idle_boundary(ctx, since, now):
    idle = _idle_after(ctx)
    return (Q(last_activity_at__gt=since - idle, last_activity_at__lte=now - idle)
            | Q(last_activity_at__isnull=True, created_at__gt=since - idle,
                created_at__lte=now - idle))


register_rule(Rule(
    kind="opportunity_no_activity", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("No activity on an opportunity"), queryset=_idle, build=_build_idle,
    exclude=lambda ctx, ids: recently_active("opportunity", ids, ctx.now - _idle_after(ctx)),
    changed=lambda ctx, since: Q(updated_at__gte=since) | Q(last_activity_at__gte=since),
    boundary=_idle_boundary,
))


# --- same stage ---------------------------------------------------------------------------------
def _stale_after(ctx) -> timedelta:
    return timedelta(days=ctx.settings.stage_stale_days)


def _stale(ctx):
    return _open().filter(stage_entered_at__lte=ctx.now - _stale_after(ctx))


def _build_stale(ctx, opp):
    days = (ctx.now - opp.stage_entered_at).days
    return CardSpec(
        user_id=opp.owner_id, priority=Priority.LOW,
        due_date=local_date(opp.stage_entered_at + _stale_after(ctx)),
        title=_("Stuck in %(stage)s: %(opp)s") % {"stage": opp.get_stage_display(),
                                                  "opp": opp.topic},
        body=_("%(opp)s has been in stage %(stage)s for %(days)s (since %(date)s).") % {
            "opp": opp.topic, "stage": opp.get_stage_display(), "days": plural(days, _("day")),
            "date": fmt_date(local_date(opp.stage_entered_at))},
    )


register_rule(Rule(
    kind="opportunity_stage_stale", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("Same stage for a long time"), queryset=_stale, build=_build_stale,
    boundary=lambda ctx, since, now: Q(stage_entered_at__gt=since - _stale_after(ctx),
                                       stage_entered_at__lte=now - _stale_after(ctx)),
))

post_save.connect(refresh_receiver(RECORD_TYPE), sender=Opportunity,
                  dispatch_uid="assistant_opportunity_saved", weak=False)
post_delete.connect(refresh_receiver(RECORD_TYPE), sender=Opportunity,
                    dispatch_uid="assistant_opportunity_deleted", weak=False)
