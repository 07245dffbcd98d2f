"""Rule actions: checked when a rule is saved, run in order by a worker, or described without
running ("Test this rule")."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.activities.services import activity_create
from crm.assistant.models import Card, Priority
from crm.common.registries import record_types
from crm.mail.merge import build_context, render
from crm.mail.models import EmailTemplate
from crm.notifications.services import notify
from crm.users.models import Role, Team

from .conditions import _json, coerce, field_for
from .deliveries import delivery_create
from .models import RoundRobinCursor, RuleRun, Webhook
from .payloads import settable_fields, update_record

logger = logging.getLogger(__name__)

ACTION_TYPES = {
    "assign_owner": gettext_lazy("Assign owner"),
    "create_task": gettext_lazy("Create a task"),
    "send_email": gettext_lazy("Send an email template"),
    "notify": gettext_lazy("Notify"),
    "set_field": gettext_lazy("Set a field"),
    "call_webhook": gettext_lazy("Call a webhook"),
}
RECIPIENTS = {
    "owner": gettext_lazy("the record's owner"),
    "owner_manager": gettext_lazy("the owner's manager"),
    "user": gettext_lazy("a chosen user"),
}
# Fields a rule never sets: the state machines, the owner (assign_owner does) and bookkeeping.
NOT_SETTABLE = {"owner", "status", "stage", "status_reason", "created_at", "updated_at",
                "version", "id"}
MAX_ACTIONS = 20


class ActionFailed(Exception):
    """An action could not be done; the run is marked failed with this reason."""


@dataclass
class Outcome:
    type: str
    ok: bool
    detail: str

    def as_dict(self) -> dict:
        return {"type": self.type, "ok": self.ok, "detail": self.detail}


def _user(pk, *, field="user"):
    User = get_user_model()
    if isinstance(pk, bool) or not isinstance(pk, int | str) or not str(pk).isdigit() \
            or int(pk) > 2**62:
        raise ValidationError(_("“%(field)s” needs a user id.") % {"field": field})
    user = User.objects.filter(pk=int(pk)).first()
    if user is None:
        raise ValidationError(_("There is no user with id %(id)s.") % {"id": pk})
    if not user.is_active:
        raise ValidationError(_("%(user)s is deactivated.") % {"user": user})
    return user


def _int(value, name, low, high) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
        raise ValidationError(_("“%(name)s” needs a whole number.") % {"name": name})
    value = int(value)
    if not low <= value <= high:
        raise ValidationError(_("“%(name)s” must be between %(low)s and %(high)s.")
                              % {"name": name, "low": low, "high": high})
    return value


def _text(value, name, limit, required=True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("“%(name)s” needs text.") % {"name": name})
    value = value.strip()
    if required and not value:
        raise ValidationError(_("“%(name)s” cannot be empty.") % {"name": name})
    if len(value) > limit or "\x00" in value:
        raise ValidationError(_("“%(name)s” is at most %(n)s characters.")
                              % {"name": name, "n": limit})
    return value


def _recipient(action: dict) -> dict:
    to = action.get("to", "owner")
    if to not in RECIPIENTS:
        raise ValidationError(_("Send to “owner”, “owner_manager” or “user”."))
    out = {"to": to}
    if to == "user":
        out["user"] = _user(action.get("user")).pk
    return out


def clean_action(record_type: str, action) -> dict:
    if not isinstance(action, dict):
        raise ValidationError(_("Each action is an object with a “type”."))
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        raise ValidationError(_("Unknown action “%(type)s”; use one of %(types)s.")
                              % {"type": str(kind)[:30], "types": ", ".join(ACTION_TYPES)})
    if kind == "assign_owner":
        if action.get("team") not in (None, ""):
            team_id = _int(action["team"], "team", 1, 2**62)
            if not Team.objects.filter(pk=team_id).exists():
                raise ValidationError(_("There is no team with id %(id)s.") % {"id": team_id})
            return {"type": kind, "team": team_id}
        return {"type": kind, "user": _user(action.get("user")).pk}
    if kind == "create_task":
        assign = _recipient({"to": action.get("assign_to", "owner"), "user": action.get("user")})
        out = {"type": kind, "subject": _text(action.get("subject"), "subject", 200),
               "due_in_days": _int(action.get("due_in_days", 0), "due_in_days", 0, 3650),
               "assign_to": assign["to"]}
        if "user" in assign:
            out["user"] = assign["user"]
        return out
    if kind == "notify":
        return {"type": kind, **_recipient(action),
                "message": _text(action.get("message"), "message", 500)}
    if kind == "send_email":
        template_id = _int(action.get("template"), "template", 1, 2**62)
        if not EmailTemplate.objects.filter(pk=template_id).exists():
            raise ValidationError(_("There is no email template with id %(id)s.")
                                  % {"id": template_id})
        return {"type": kind, "template": template_id, **_recipient(action)}
    if kind == "set_field":
        f = field_for(record_type, action.get("field"))
        settable = settable_fields(record_type)
        if f.name in NOT_SETTABLE or not f.editable or f.is_relation or (
                settable is not None and f.name not in settable):
            raise ValidationError(_("A rule cannot set “%(field)s”.") % {"field": f.name})
        if "value" not in action:
            raise ValidationError(_("Set “%(field)s” to what? Give a value.") % {"field": f.name})

        return {"type": kind, "field": f.name, "value": _json(coerce(f, action["value"]))}
    # call_webhook
    webhook_id = _int(action.get("webhook"), "webhook", 1, 2**62)
    if not Webhook.objects.filter(pk=webhook_id).exists():
        raise ValidationError(_("There is no webhook with id %(id)s.") % {"id": webhook_id})
    return {"type": kind, "webhook": webhook_id}


def clean_actions(record_type: str, value) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(_("Actions must be a list."))
    if len(value) > MAX_ACTIONS:
        raise ValidationError(_("At most %(n)s actions.") % {"n": MAX_ACTIONS})
    cleaned = []
    for number, action in enumerate(value, start=1):
        try:
            cleaned.append(clean_action(record_type, action))
        except ValidationError as exc:
            raise ValidationError(_("Action %(n)s: %(problem)s")
                                  % {"n": number, "problem": " ".join(exc.messages)}) from None
    return cleaned


# --- running ------------------------------------------------------------------------------


def _owner(record):
    owner = getattr(record, "owner", None)
    if owner is None:
        raise ActionFailed(_("The record has no owner."))
    return owner


def resolve_recipient(action: dict, record):
    to = action.get("to") or action.get("assign_to") or "owner"
    User = get_user_model()
    if to == "user":
        user = User.objects.filter(pk=action.get("user")).first()
        if user is None:
            raise ActionFailed(_("The chosen user no longer exists."))
    elif to == "owner_manager":
        user = _owner(record).manager
        if user is None:
            raise ActionFailed(_("%(owner)s has no manager.") % {"owner": _owner(record)})
    else:
        user = _owner(record)
    if not user.is_active:
        raise ActionFailed(_("%(user)s is deactivated.") % {"user": user})
    return user


def next_in_rotation(team_id: int, *, peek: bool = False):
    """The next active seller of the team (round-robin by id). Locks the team's cursor row, so
    concurrent runs each get a different seller; `peek` only looks."""
    User = get_user_model()
    sellers = list(User.objects.filter(team_id=team_id, is_active=True, role=Role.SELLER)
                   .order_by("id"))
    if not sellers:
        raise ActionFailed(_("The team has no active sellers."))
    if peek:
        cursor = RoundRobinCursor.objects.filter(team_id=team_id).first()
    else:
        RoundRobinCursor.objects.bulk_create([RoundRobinCursor(team_id=team_id)],
                                             ignore_conflicts=True)
        cursor = RoundRobinCursor.objects.select_for_update().get(team_id=team_id)
    last = cursor.last_user_id if cursor else None
    chosen = next((u for u in sellers if last is None or u.pk > last), sellers[0])
    if not peek:
        cursor.last_user_id = chosen.pk
        cursor.save(update_fields=["last_user_id", "updated_at"])
    return chosen


def notify_user(user, *, title: str, body: str, record_type: str, record_id: int,
                url: str = "", actor=None, rule_run_id: int | None = None) -> str:
    """An in-app notification (the bell) through `crm.notifications`; with `rule_run_id` a
    retried run never notifies the same user twice. Returns how."""
    notify(user=user, title=title, body=body, record_type=record_type, record_id=record_id,
           url=url, actor=actor, rule_run_id=rule_run_id)
    return "notification"


def card_and_email(user, *, title: str, body: str, record_type: str, record_id: int,
                   url: str = "") -> str:
    """An assistant card plus an email (a disabled webhook's admin must act on it)."""
    today = timezone.localdate()
    card, created = Card.objects.get_or_create(
        user=user, kind="automation", record_type=record_type, record_id=record_id,
        due_date=today, defaults={"title": title[:200], "body": body[:500],
                                  "priority": Priority.HIGH},
    )
    if not created:
        Card.objects.filter(pk=card.pk).update(title=title[:200], body=body[:500],
                                               state="active", snoozed_until=None)
    if user.email:
        link = f"\n\n{settings.CRM_BASE_URL.rstrip('/')}{url}" if url else ""
        send_mail(title[:200], f"{body}{link}", None, [user.email], fail_silently=True)
    return "card+email"


def _record_url(record_type, record) -> str:
    from django.urls import NoReverseMatch, reverse


    try:
        return reverse(record_types.get(record_type).url_name, args=[record.pk])
    except (NoReverseMatch, KeyError):
        return ""


def run_action(action: dict, *, rule, record_type: str, record, actor, event,
               run=None) -> str:
    """Do one action; returns what was done (for the run log) or raises ActionFailed."""
    kind = action["type"]
    if kind == "assign_owner":
        if action.get("team"):
            user = next_in_rotation(action["team"])
        else:
            user = resolve_recipient({"to": "user", "user": action.get("user")}, record)
        update_record(record_type, record, actor=actor, owner=user)
        return _("Assigned to %(user)s") % {"user": user}
    if kind == "create_task":
        owner = resolve_recipient(action, record)
        due = timezone.now() + timedelta(days=action.get("due_in_days", 0))
        activity = activity_create(actor=actor, kind="task", regarding=record, owner=owner,
                                   subject=action["subject"], due_at=due)
        return _("Task “%(subject)s” for %(user)s (#%(id)s)") % {
            "subject": action["subject"], "user": owner, "id": activity.pk}
    if kind == "notify":
        user = resolve_recipient(action, record)
        notify_user(user, title=f"{rule.name}: {record}"[:200], body=action["message"],
                    record_type=record_type, record_id=record.pk,
                    url=_record_url(record_type, record), actor=actor,
                    rule_run_id=getattr(run, "pk", None))
        return _("Notified %(user)s") % {"user": user}
    if kind == "send_email":
        template = EmailTemplate.objects.filter(pk=action["template"]).first()
        if template is None:
            raise ActionFailed(_("The email template was deleted."))
        user = resolve_recipient(action, record)
        if not user.email:
            raise ActionFailed(_("%(user)s has no email address.") % {"user": user})
        rendered = render(subject=template.subject, body=template.body,
                          context=build_context(record=record, user=user))
        send_mail(rendered.subject, rendered.body, None, [user.email], fail_silently=False)
        return _("Emailed “%(subject)s” to %(user)s") % {"subject": rendered.subject, "user": user}
    if kind == "set_field":
        f = field_for(record_type, action["field"])
        update_record(record_type, record, actor=actor, **{f.name: coerce(f, action["value"])})
        return _("Set %(field)s to %(value)s") % {"field": f.name, "value": action["value"]}
    if kind == "call_webhook":
        delivery = delivery_create(webhook_id=action["webhook"], event=event)
        if delivery is None:
            raise ActionFailed(_("The webhook was deleted or is disabled."))
        return _("Webhook delivery %(id)s queued") % {"id": delivery.uuid}
    raise ActionFailed(_("Unknown action “%(type)s”.") % {"type": kind})


def describe_action(action: dict, *, record_type: str, record) -> str:
    """What `action` would do to `record`, done to nothing (the "Test this rule" button)."""
    kind = action["type"]
    try:
        if kind == "assign_owner":
            if action.get("team"):
                user = next_in_rotation(action["team"], peek=True)
                return _("Would assign it to %(user)s (next in the team's rotation)") % {
                    "user": user}
            user = resolve_recipient({"to": "user", "user": action.get("user")}, record)
            return _("Would assign it to %(user)s") % {"user": user}
        if kind == "create_task":
            owner = resolve_recipient(action, record)
            due = timezone.localdate() + timedelta(days=action.get("due_in_days", 0))
            return _("Would create the task “%(subject)s” for %(user)s, due %(due)s") % {
                "subject": action["subject"], "user": owner, "due": due.isoformat()}
        if kind == "notify":
            return _("Would notify %(user)s: “%(message)s”") % {
                "user": resolve_recipient(action, record), "message": action["message"]}
        if kind == "send_email":
            return _("Would email template #%(id)s to %(user)s") % {
                "id": action["template"], "user": resolve_recipient(action, record)}
        if kind == "set_field":
            return _("Would set %(field)s from “%(old)s” to “%(new)s”") % {
                "field": action["field"],
                "old": getattr(record, field_for(record_type, action["field"]).attname),
                "new": action["value"]}
        if kind == "call_webhook":
            webhook = Webhook.objects.filter(pk=action["webhook"]).first()
            return _("Would send the event to %(url)s") % {
                "url": webhook.url if webhook else _("(deleted webhook)")}
    except ActionFailed as exc:
        return _("Would fail: %(reason)s") % {"reason": exc}
    return kind


def actor_for(rule):
    """Rules act as the admin who made them (or, if gone, any active admin)."""
    User = get_user_model()
    if rule.created_by_id:
        user = User.objects.filter(pk=rule.created_by_id, is_active=True).first()
        if user is not None:
            return user
    user = (User.objects.filter(is_active=True).filter(role=Role.ADMIN).order_by("id").first()
            or User.objects.filter(is_active=True, is_superuser=True).order_by("id").first())
    if user is None:
        raise ActionFailed(_("No active admin to act for the rule."))
    return user


def run_actions(rule, *, record_type, record, actor, event, run=None,
                done: list[dict] | None = None) -> tuple[list[dict], str]:
    """Run the rule's actions in order, each in its own savepoint; stop at the first failure.
    `done`: the results of an earlier attempt of the same run; the actions that succeeded
    then are skipped (no action is done twice). With `run`, each action's result is saved in
    the action's own transaction, so "done" and "recorded as done" never part.
    Returns (results, error)."""
    results = [r for r in (done or []) if r.get("ok")][:len(rule.actions)]
    for action in rule.actions[len(results):]:
        try:
            with transaction.atomic():
                detail = run_action(action, rule=rule, record_type=record_type, record=record,
                                    actor=actor, event=event, run=run)
                outcome = Outcome(action["type"], True, str(detail)).as_dict()
                if run is not None:
                    RuleRun.objects.filter(pk=run.pk).update(results=[*results, outcome])
        except Exception as exc:  # noqa: BLE001 - any failure is logged on the run
            reason = _reason(exc)
            results.append(Outcome(action.get("type", "?"), False, reason).as_dict())
            return results, reason
        results.append(outcome)
        fresh = type(record).objects.filter(pk=record.pk).first()  # the next action sees it
        if fresh is None:
            reason = _("The record no longer exists.")
            return results, reason
        record = fresh
    return results, ""


def _reason(exc) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)[:500]
    message = str(getattr(exc, "message", "") or exc) or type(exc).__name__
    return message[:500]
