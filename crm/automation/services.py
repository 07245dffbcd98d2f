"""Every write of the automation app: webhooks, deliveries, rules and their runs."""

import json
import logging
import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.event_types import EventType as Action
from crm.common.queue import enqueue_on_commit, publish
from crm.common.registries import record_types
from crm.common.services import UNSET, Maybe, given, model_update
from crm.users.models import User

from . import http
from .actions import actor_for, card_and_email, clean_actions, describe_action, run_actions
from .conditions import clean_conditions, evaluate, field_for
from .deliveries import DELIVER, queue_delivery
from .event_types import (
    LEGACY_TRANSITIONS,
    NOT_TRANSITIONS,
    OWN_TYPES,
    TRANSITIONS,
    event_type_for,
    known_event_types,
)
from .models import (
    OPEN_DELIVERY,
    DeliveryAttempt,
    DeliveryStatus,
    OutgoingEvent,
    Rule,
    RuleRun,
    RunStatus,
    Trigger,
    Webhook,
    WebhookDelivery,
)
from .outbox import rule_running
from .payloads import record_payload

logger = logging.getLogger(__name__)
# The Celery tasks these services queue, by name: tasks.py (the thin adapters) imports this
# module, so it is not imported back (crm.common.queue.registered_task). DELIVER: deliveries.
RUN_RULES = "crm.automation.run_rules"  # tasks.run_rules
DISPATCH_BATCH = "crm.automation.dispatch_batch"  # tasks.dispatch_batch
BACKOFF_BASE_SECONDS = 15
BACKOFF_MAX_SECONDS = 3600
RUN_RETRY_BASE_SECONDS = 60


# --- webhooks -----------------------------------------------------------------------------


WEBHOOK_FIELDS = ["url", "events", "secret", "name", "active"]


def _clean_webhook(data: dict) -> dict:
    errors: dict[str, list] = {}
    clean = {}
    if "url" in data:
        url = (data.get("url") or "").strip()
        try:
            if len(url) > 500:
                raise http.UnsafeURL(_("At most 500 characters."))
            http.check_url(url)
        except http.UnsafeURL as exc:
            errors["url"] = [str(exc)]
        clean["url"] = url
    if "events" in data:
        events = data.get("events") or []
        known = set(known_event_types())
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            errors["events"] = [_("A list of event types, e.g. [\"lead.created\"].")]
        else:
            unknown = [e[:60] for e in events if e not in known]
            if unknown:
                errors["events"] = [_("Unknown event types: %(types)s.") % {
                    "types": ", ".join(sorted(set(unknown)))[:300]}]
            clean["events"] = sorted(set(events))
    if "secret" in data and data["secret"] is not None:
        secret = str(data["secret"])
        if secret and len(secret) < 16:
            errors["secret"] = [_("Use at least 16 characters (or leave empty for a new one).")]
        if secret:
            clean["secret"] = secret
    for name in ("name",):
        if name in data:
            clean[name] = (data.get(name) or "").strip()[:100]
    if "active" in data:
        clean["active"] = bool(data["active"])
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def webhook_create(*, actor: User, url: str, events: list[str] | None = None,
                   secret: str | None = None, name: str = "", active: bool = True) -> Webhook:
    data = _clean_webhook({"url": url, "events": events or [], "secret": secret, "name": name,
                           "active": active})
    return Webhook.objects.create(created_by=actor if getattr(actor, "pk", None) else None,
                                  **data)


@transaction.atomic
def webhook_update(*, webhook: Webhook, actor: User, url: Maybe[str] = UNSET,
                   events: Maybe[list[str]] = UNSET, secret: Maybe[str | None] = UNSET,
                   name: Maybe[str] = UNSET, active: Maybe[bool] = UNSET) -> Webhook:
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    clean = _clean_webhook(given(url=url, events=events, secret=secret, name=name,
                                 active=active))
    changed = []
    if clean.get("active") and webhook.disabled_at is not None:
        # Turned back on: a fresh start for the 24-hour failure clock.
        webhook.disabled_at, webhook.disabled_reason, webhook.failing_since = None, "", None
        changed = ["disabled_at", "disabled_reason", "failing_since"]
    webhook, _updated = model_update(
        instance=webhook, fields=WEBHOOK_FIELDS, data=clean, changed=changed,
        validate=lambda webhook, changed: None)  # _clean_webhook checked every value
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, actor: User) -> None:
    Webhook.objects.filter(pk=webhook.pk).delete()


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Send the same event again as a new delivery (logged on its own)."""
    new = WebhookDelivery.objects.create(webhook=delivery.webhook, event=delivery.event,
                                         record_key=delivery.record_key,
                                         redelivery_of=delivery)
    queue_delivery(new.pk)
    return new


def delivery_body(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    body = {
        "id": str(event.uuid),
        "type": event.type,
        "occurred_at": event.occurred_at,
        "delivery": str(delivery.uuid),
        "record_type": event.record_type,
        "record_id": event.record_id,
        "actor": event.actor_id,
        "data": event.payload,
    }
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: 15 s, 30 s, 1 min... capped at an hour, each drawn
    between half and all of that (so retries of many endpoints spread out)."""
    delay = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.5, 1.0)


def _claim(delivery_id: int, now) -> WebhookDelivery | None:
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("webhook", "event")
                    .filter(pk=delivery_id, status__in=[DeliveryStatus.PENDING,
                                                        DeliveryStatus.RETRYING],
                            next_attempt_at__lte=now).first())
        if delivery is None:
            return None
        if not delivery.webhook.active:
            _finish(delivery, DeliveryStatus.FAILED, now,
                    error=_("The endpoint is disabled."))
            return None
        earlier = WebhookDelivery.objects.filter(
            webhook_id=delivery.webhook_id, record_key=delivery.record_key,
            id__lt=delivery.pk, status__in=OPEN_DELIVERY).exists()
        if earlier:
            return None  # order per record: the earlier one kicks this one when it is done
        delivery.status = DeliveryStatus.SENDING
        delivery.claimed_until = now + timedelta(seconds=settings.CRM_WEBHOOKS_TIMEOUT + 60)
        delivery.first_attempt_at = delivery.first_attempt_at or now
        delivery.save(update_fields=["status", "claimed_until", "first_attempt_at"])
        return delivery


def _finish(delivery, status, now, *, error=""):
    delivery.status = status
    delivery.finished_at = now
    if error:
        delivery.error = error[:500]
    delivery.save(update_fields=["status", "finished_at", "error"])


def deliver(delivery_id: int) -> str:
    """One attempt of one delivery (claimed, so two workers never send it together)."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return "skipped"
    webhook = delivery.webhook
    body = delivery_body(delivery)
    headers = {
        "X-CRM-Signature": http.sign(webhook.secret, body),
        "X-CRM-Event": delivery.event.type,
        "X-CRM-Delivery": str(delivery.uuid),
        "X-CRM-Timestamp": str(int(timezone.now().timestamp())),
    }
    response = http.post(webhook.url, body, headers)
    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(delivery=delivery, at=now,
                                       status_code=response.status_code,
                                       duration_ms=response.duration_ms,
                                       error=response.error[:500])
        delivery.attempts += 1
        delivery.status_code = response.status_code
        delivery.duration_ms = response.duration_ms
        delivery.error = response.error[:500]
        delivery.claimed_until = None
        fields = ["attempts", "status_code", "duration_ms", "error", "claimed_until", "status",
                  "next_attempt_at", "finished_at"]
        if response.ok:
            delivery.status, delivery.finished_at = DeliveryStatus.SUCCEEDED, now
            Webhook.objects.filter(pk=webhook.pk).update(last_success_at=now, failing_since=None)
        else:
            retry_until = delivery.first_attempt_at + timedelta(
                hours=settings.CRM_WEBHOOKS_RETRY_HOURS)
            delay = timedelta(seconds=backoff_seconds(delivery.attempts))
            if now + delay > retry_until:
                delivery.status, delivery.finished_at = DeliveryStatus.FAILED, now
            else:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.RETRYING, now + delay
            Webhook.objects.filter(pk=webhook.pk, failing_since__isnull=True).update(
                failing_since=now)
        delivery.save(update_fields=fields)
    if not response.ok:
        _disable_if_failing_too_long(webhook.pk, now)
    if delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED):
        _kick_next(delivery)
    return delivery.status


def _kick_next(delivery) -> None:
    following = (WebhookDelivery.objects.filter(
        webhook_id=delivery.webhook_id, record_key=delivery.record_key, id__gt=delivery.pk,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
        .order_by("id").values_list("pk", flat=True).first())
    if following:
        publish(DELIVER, following)


def _disable_if_failing_too_long(webhook_id: int, now) -> bool:
    limit = now - timedelta(hours=settings.CRM_WEBHOOKS_DISABLE_AFTER_HOURS)
    reason = _("Failing since %(since)s (more than %(hours)s hours).")
    with transaction.atomic():
        webhook = (Webhook.objects.select_for_update()
                   .filter(pk=webhook_id, active=True, failing_since__lte=limit).first())
        if webhook is None:
            return False
        webhook.active = False
        webhook.disabled_at = now
        webhook.disabled_reason = (reason % {
            "since": webhook.failing_since.isoformat(timespec="minutes"),
            "hours": settings.CRM_WEBHOOKS_DISABLE_AFTER_HOURS})[:300]
        webhook.save(update_fields=["active", "disabled_at", "disabled_reason"])
        WebhookDelivery.objects.filter(webhook=webhook, status__in=[
            DeliveryStatus.PENDING, DeliveryStatus.RETRYING]).update(
            status=DeliveryStatus.FAILED, finished_at=now, error=_("The endpoint was disabled."))
        for admin in _admins_to_tell(webhook):
            card_and_email(admin, title=_("Webhook disabled: %(url)s") % {"url": webhook.url[:150]},
                           body=webhook.disabled_reason, record_type="webhook",
                           record_id=webhook.pk, url=webhook.get_absolute_url())
    logger.warning("webhook %s disabled after failing for %s hours", webhook_id,
                   settings.CRM_WEBHOOKS_DISABLE_AFTER_HOURS)
    return True


def _admins_to_tell(webhook: Webhook) -> list[User]:
    if webhook.created_by_id:
        admin = User.objects.filter(pk=webhook.created_by_id, is_active=True).first()
        if admin is not None:
            return [admin]
    return list(User.objects.filter(is_active=True).filter(
        Q(role="admin") | Q(is_superuser=True)).order_by("id")[:5])


def deliver_due(*, limit: int = 500) -> int:
    """Beat: retries that are due, and sends whose worker died (claimed too long ago)."""
    now = timezone.now()
    WebhookDelivery.objects.filter(status=DeliveryStatus.SENDING, claimed_until__lt=now).update(
        status=DeliveryStatus.RETRYING, claimed_until=None, next_attempt_at=now)
    due = list(WebhookDelivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING], next_attempt_at__lte=now)
        .order_by("id").values_list("pk", flat=True)[:limit])
    for pk in due:
        publish(DELIVER, pk)
    return len(due)


# --- the event stream ---------------------------------------------------------------------


def trigger_matches(rule: Rule, event: OutgoingEvent) -> bool:
    if rule.record_type != event.record_type or event.action in OWN_TYPES:
        return False
    if rule.trigger == Trigger.CREATED:
        return event.action == Action.CREATED
    if rule.trigger == Trigger.CHANGED:
        if event.action != Action.UPDATED:
            return False
        return not rule.fields or bool(set(rule.fields) & set(event.changes))
    if event.action in NOT_TRANSITIONS:
        return False
    allowed = rule.transitions or TRANSITIONS.get(rule.record_type, [])
    return event.action in allowed


def dispatch_event(event_id: int) -> dict:
    """Fan one event out: a delivery per subscribed endpoint, a run per matching rule (none
    when a rule's own change wrote the event). Claimed, so dispatching twice does nothing."""
    with transaction.atomic():
        event = (OutgoingEvent.objects.select_for_update(skip_locked=True)
                 .filter(pk=event_id, dispatched_at__isnull=True).first())
        if event is None:
            return {"deliveries": 0, "runs": 0}
        if "record" not in event.payload:

            record = _load_record(event.record_type, event.record_id)
            event.payload = {"record": record_payload(event.record_type, record)
                             if record is not None else {"id": event.record_id},
                             **event.payload}
        hooks = [w for w in Webhook.objects.filter(active=True) if w.wants(event.type)]
        key = f"{event.record_type}:{event.record_id}"
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(webhook=w, event=event, record_key=key) for w in hooks])
        runs = []
        if event.by_rule_id is None:
            rules = [r for r in Rule.objects.filter(active=True, record_type=event.record_type)
                     if trigger_matches(r, event)]
            runs = RuleRun.objects.bulk_create(
                [RuleRun(rule=r, event=event, record_type=event.record_type,
                         record_id=event.record_id) for r in rules], ignore_conflicts=True)
        event.dispatched_at = timezone.now()
        event.save(update_fields=["dispatched_at", "payload"])
    for delivery in deliveries:
        publish(DELIVER, delivery.pk)
    if runs:
        publish(RUN_RULES, event.pk)
    return {"deliveries": len(deliveries), "runs": len(runs)}


def dispatch_pending(*, older_than_seconds: int = 5, limit: int = 1000) -> int:
    """Beat: events whose after-commit dispatch was lost (Redis down, worker crash)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(OutgoingEvent.objects.filter(dispatched_at__isnull=True, occurred_at__lte=cutoff)
               .order_by("id").values_list("pk", flat=True)[:limit])
    for pk in ids:
        dispatch_event(pk)
    # Runs created but never started (their task was lost).
    stale = timezone.now() - timedelta(minutes=2)
    for event_id in (RuleRun.objects.filter(status=RunStatus.PENDING, created_at__lte=stale)
                     .values_list("event_id", flat=True).distinct()[:limit]):
        publish(RUN_RULES, event_id)
    stuck = Q(status=RunStatus.RUNNING, claimed_at__lte=timezone.now() - timedelta(minutes=30))
    RuleRun.objects.filter(stuck, attempts__lt=_run_attempts()).update(
        status=RunStatus.RETRYING, error=_("Interrupted (the worker stopped)."),
        next_attempt_at=timezone.now())
    RuleRun.objects.filter(stuck).update(
        status=RunStatus.FAILED, error=_("Interrupted (the worker stopped)."),
        finished_at=timezone.now())
    retry_due_runs(limit=limit)
    return len(ids)


# --- rules ----------------------------------------------------------------------------------


RULE_FIELDS = ["name", "record_type", "trigger", "fields", "transitions", "conditions",
               "actions", "active", "position"]


def clean_rule(data: dict, instance: Rule | None = None) -> dict:
    """The rule's fields, normalised; ValidationError per field with a clear message."""
    def current(name, default):
        if name in data:
            return data[name]
        return getattr(instance, name) if instance is not None else default

    errors: dict[str, list] = {}
    clean = {}
    name = current("name", "")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = [_("Give the rule a name.")]
    elif len(name) > 150:
        errors["name"] = [_("At most 150 characters.")]
    else:
        clean["name"] = name.strip()
    record_type = current("record_type", "")
    if record_type not in record_types or record_type not in TRANSITIONS:
        errors["record_type"] = [_("Choose one of %(types)s.") % {
            "types": ", ".join(sorted(TRANSITIONS))}]
        raise ValidationError(errors)
    clean["record_type"] = record_type
    trigger = current("trigger", "")
    if trigger not in Trigger.values:
        errors["trigger"] = [_("Choose created, changed or transition.")]
    clean["trigger"] = trigger
    fields = current("fields", []) or []
    try:
        if not isinstance(fields, list):
            raise ValidationError(_("A list of field names."))
        clean["fields"] = sorted({field_for(record_type, f).name for f in fields})
    except ValidationError as exc:
        errors["fields"] = exc.messages
    transitions = current("transitions", []) or []
    if isinstance(transitions, list):  # the spellings before the past tense still work
        transitions = [LEGACY_TRANSITIONS.get(t, t) if isinstance(t, str) else t
                       for t in transitions]
    if not isinstance(transitions, list) or any(
            t not in TRANSITIONS[record_type] for t in transitions):
        errors["transitions"] = [_("Transitions of %(type)s records: %(list)s.") % {
            "type": record_type, "list": ", ".join(TRANSITIONS[record_type])}]
    else:
        clean["transitions"] = sorted(set(transitions))
    try:
        clean["conditions"] = clean_conditions(record_type, current("conditions", {}))
    except ValidationError as exc:
        errors["conditions"] = exc.messages
    try:
        clean["actions"] = clean_actions(record_type, current("actions", []))
    except ValidationError as exc:
        errors["actions"] = exc.messages
    if "active" in data:
        clean["active"] = bool(data["active"])
    if "position" in data:
        position = data["position"]
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 10000:
            errors["position"] = [_("A whole number from 0 to 10000.")]
        else:
            clean["position"] = position
    if clean.get("active", getattr(instance, "active", False)) and not clean.get("actions"):
        errors.setdefault("actions", []).append(_("An active rule needs at least one action."))
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def rule_create(
        *, actor: User, name: Maybe[str] = UNSET, record_type: Maybe[str] = UNSET,
        trigger: Maybe[str] = UNSET, fields: Maybe[list[str]] = UNSET,
        transitions: Maybe[list[str]] = UNSET, conditions: Maybe[dict[str, Any]] = UNSET,
        actions: Maybe[list[dict[str, Any]]] = UNSET, active: Maybe[bool] = UNSET,
        position: Maybe[int] = UNSET,
) -> Rule:
    """A rule from its fields (checked by `clean_rule`: 400 per field on a bad value)."""
    clean = clean_rule(given(name=name, record_type=record_type, trigger=trigger, fields=fields,
                 transitions=transitions, conditions=conditions, actions=actions, active=active,
                 position=position))
    return Rule.objects.create(created_by=actor if getattr(actor, "pk", None) else None, **clean)


@transaction.atomic
def rule_update(
        *, rule: Rule, actor: User, name: Maybe[str] = UNSET, record_type: Maybe[str] = UNSET,
        trigger: Maybe[str] = UNSET, fields: Maybe[list[str]] = UNSET,
        transitions: Maybe[list[str]] = UNSET, conditions: Maybe[dict[str, Any]] = UNSET,
        actions: Maybe[list[dict[str, Any]]] = UNSET, active: Maybe[bool] = UNSET,
        position: Maybe[int] = UNSET,
) -> Rule:
    """Change the given fields; the whole rule is checked again as it will be."""
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    data = given(name=name, record_type=record_type, trigger=trigger, fields=fields,
                 transitions=transitions, conditions=conditions, actions=actions, active=active,
                 position=position)
    rule, _updated = model_update(
        instance=rule, fields=RULE_FIELDS, data=clean_rule(data, rule),
        validate=lambda rule, changed: None)  # clean_rule checked every value
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, actor: User) -> None:
    Rule.objects.filter(pk=rule.pk).delete()


def _load_record(record_type: str, record_id: int):
    if record_type not in record_types:
        return None
    return record_types.get(record_type).model.objects.filter(pk=record_id).first()


def _changes_for(event: OutgoingEvent, record) -> dict:
    changes = dict(event.changes)
    payload = event.payload or {}
    if payload.get("from_state") and payload.get("to_state") and record is not None:
        from django_fsm import FSMField

        for f in type(record)._meta.concrete_fields:
            if isinstance(f, FSMField) and f.name not in changes:
                if getattr(record, f.attname) == payload["to_state"]:
                    changes[f.name] = [payload["from_state"], payload["to_state"]]
    return changes


def run_backoff_seconds(attempts: int) -> float:
    """A failed run waits 1 min, 2 min, 4 min... (capped at an hour), with jitter."""
    delay = min(3600, RUN_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.75, 1.0)


def _run_attempts() -> int:
    return max(1, int(settings.CRM_AUTOMATION_RUN_ATTEMPTS))


def _due_runs(now):
    return (Q(status=RunStatus.PENDING)
            | Q(status=RunStatus.RETRYING, next_attempt_at__lte=now))


def run_rules(event_id: int) -> int:
    """Run the pending (and due retrying) rule runs of one event, in the rules' order."""
    done = 0
    runs = list(RuleRun.objects.filter(_due_runs(timezone.now()), event_id=event_id)
                .select_related("rule", "event").order_by("rule__position", "rule_id"))
    for run in runs:
        if rule_run_execute(run):
            done += 1
    return done


def rule_run_execute(run: RuleRun) -> bool:
    """One attempt of one rule on one event; the run is logged whatever happens (never
    raises). A failed attempt is retried with backoff (the actions done in an earlier attempt
    are skipped) until CRM_AUTOMATION_RUN_ATTEMPTS, then the run is failed with the reason."""
    now = timezone.now()
    claimed = RuleRun.objects.filter(_due_runs(now), pk=run.pk).update(
        status=RunStatus.RUNNING, attempts=F("attempts") + 1, claimed_at=now)
    if not claimed:
        return False
    run.refresh_from_db(fields=["attempts", "results", "matched"])
    rule, event = run.rule, run.event
    status, results, error, matched = RunStatus.NOT_MATCHED, run.results, "", run.matched
    try:
        record = _load_record(run.record_type, run.record_id)
        if record is None:
            error = _("The record no longer exists.")
        else:
            if not matched:  # a retry keeps the first verdict (its own changes may alter it)
                check = evaluate(rule.record_type, rule.conditions, record,
                                 _changes_for(event, record))
                matched = check.ok
            if matched:
                RuleRun.objects.filter(pk=run.pk).update(matched=True)
                actor = actor_for(rule)
                with rule_running(rule):
                    results, error = run_actions(rule, record_type=run.record_type,
                                                 record=record, actor=actor, event=event,
                                                 run=run, done=run.results)
                status = RunStatus.FAILED if error else RunStatus.SUCCEEDED
    except Exception as exc:  # noqa: BLE001 - a run never raises; its failure is logged
        logger.exception("automation: rule %s on event %s failed", rule.pk, event.pk)
        status, error = RunStatus.FAILED, (str(exc) or type(exc).__name__)[:500]
    update = {"status": status, "matched": matched, "results": results, "error": error[:500],
              "finished_at": timezone.now(), "next_attempt_at": None}
    if status == RunStatus.FAILED and run.attempts < _run_attempts():
        update.update(status=RunStatus.RETRYING, finished_at=None,
                      next_attempt_at=timezone.now() + timedelta(
                          seconds=run_backoff_seconds(run.attempts)))
    RuleRun.objects.filter(pk=run.pk).update(**update)
    return True


def retry_due_runs(*, limit: int = 1000) -> int:
    """Beat: the events whose failed runs are due for another attempt."""
    event_ids = list(RuleRun.objects.filter(status=RunStatus.RETRYING,
                                            next_attempt_at__lte=timezone.now())
                     .order_by("event_id").values_list("event_id", flat=True)
                     .distinct()[:limit])
    for event_id in event_ids:
        publish(RUN_RULES, event_id)
    return len(event_ids)


def rule_test(*, rule: Rule, record) -> dict:
    """What the rule would do to `record` now, without doing anything."""
    check = evaluate(rule.record_type, rule.conditions, record, {})
    actions = [describe_action(a, record_type=rule.record_type, record=record)
               for a in rule.actions] if check.ok else []
    return {"matched": check.ok, "checks": check, "actions": actions}


def _anyone_listening(record_type: str, event_type: str) -> bool:
    if Rule.objects.filter(active=True, record_type=record_type,
                           trigger=Trigger.CREATED).exists():
        return True
    return any(w.wants(event_type) for w in Webhook.objects.filter(active=True))


def emit_bulk_created(*, record_type: str, queryset, actor_id=None, data=None,
                      chunk: int = 500) -> int:
    """`<type>.created` events for records written in bulk without an event row (the CSV
    import's COPY): call it inside the transaction that finishes the job. Nothing is written
    while no rule or webhook listens for them."""
    event_type = event_type_for(record_type, Action.CREATED)
    if not _anyone_listening(record_type, event_type):
        return 0
    written, last = 0, 0
    now = timezone.now()
    while True:
        records = list(queryset.filter(pk__gt=last).order_by("pk")[:chunk])
        if not records:
            return written
        events = OutgoingEvent.objects.bulk_create([OutgoingEvent(
            type=event_type, record_type=record_type, record_id=r.pk, action=Action.CREATED,
            payload={"record": record_payload(record_type, r), "record_type": record_type,
                     "record_id": r.pk, "action": Action.CREATED.value,
                     **({"data": data} if data else {})},
            actor_id=actor_id, occurred_at=now) for r in records])
        enqueue_on_commit(DISPATCH_BATCH, [e.pk for e in events])
        written += len(events)
        last = records[-1].pk


def purge_old_events(*, days: int | None = None, batch: int = 5000) -> int:
    """Beat (daily): dispatched events older than CRM_AUTOMATION_KEEP_DAYS go, with their
    deliveries, attempts and runs (open deliveries keep their event)."""
    days = days or settings.CRM_AUTOMATION_KEEP_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    removed = 0
    while True:
        ids = list(OutgoingEvent.objects.filter(dispatched_at__lt=cutoff)
                   .exclude(deliveries__status__in=OPEN_DELIVERY)
                   .order_by("id").values_list("pk", flat=True)[:batch])
        if not ids:
            return removed
        OutgoingEvent.objects.filter(pk__in=ids).delete()
        removed += len(ids)
