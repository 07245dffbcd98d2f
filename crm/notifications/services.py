"""Every write of the collaboration app: posts (with mentions), follows, notifications and the
email preference. Fan-out and email delivery run in Celery after commit (tasks.py)."""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.activities.models import Event
from crm.common.errors import BusinessRuleViolation
from crm.common.queue import enqueue_on_commit
from crm.common.registries import record_types
from crm.common.visibility import is_admin

from . import selectors
from .models import (
    POST_BODY_MAX,
    EmailDelivery,
    EmailStatus,
    EventFanout,
    Follow,
    Mention,
    Notification,
    NotificationPreference,
    Post,
    Reason,
)

logger = logging.getLogger(__name__)
User = get_user_model()

# Django usernames: letters, digits and @ . + - _. A mention starts after a space or
# punctuation (never inside an email address) and drops trailing sentence punctuation.
MENTION_RE = re.compile(r"(?<![\w.@+-])@([\w.@+-]+)")
UNREAD_CACHE_SECONDS = 300
MAX_MENTIONS = 20


def edit_window() -> timedelta:
    return timedelta(minutes=getattr(settings, "CRM_POST_EDIT_WINDOW_MINUTES", 15))


# --- mentions ---------------------------------------------------------------------------------
def mentioned_names(body: str) -> list[str]:
    names = []
    for match in MENTION_RE.finditer(body or ""):
        name = match.group(1).rstrip(".-@+")
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


def resolve_mentions(*, record_type: str, record, body: str) -> list:
    """The users `body` mentions; refuse unknown names and users who may not read the record
    (naming them would reveal it to them). Raises BusinessRuleViolation on `body`."""
    names = mentioned_names(body)
    if not names:
        return []
    lookup = {n.lower(): n for n in names}
    if len(names) > MAX_MENTIONS:
        message = _("Mention at most %(max)s people in one post.") % {"max": MAX_MENTIONS}
        raise BusinessRuleViolation(message, fields={"body": [message]})
    by_any_name = Q()
    for name in names:
        by_any_name |= Q(username__iexact=name)
    found = list(User.objects.filter(by_any_name, is_active=True).only(
        "id", "username", "role", "team_id", "is_superuser", "first_name", "last_name"))
    by_name = {u.username.lower(): u for u in found}
    unknown = [lookup[n] for n in lookup if n not in by_name]
    if unknown:
        raise BusinessRuleViolation(
            _("No active user is called %(names)s.") % {
                "names": ", ".join(f"@{n}" for n in unknown)},
            fields={"body": [_("No active user is called %(names)s.") % {
                "names": ", ".join(f"@{n}" for n in unknown)}]})
    readers = set(selectors.record_readers(record_type=record_type, record=record)
                  .filter(pk__in=[u.pk for u in found]).values_list("pk", flat=True))
    refused = [u for u in found if u.pk not in readers]
    if refused:
        rt = record_types.get(record_type)
        message = _("%(names)s may not read this %(record)s; mentioning them would reveal it. "
                    "Remove the mention or ask the owner to share the record.") % {
            "names": ", ".join(f"@{u.username}" for u in refused),
            "record": str(rt.verbose_name).lower()}
        raise BusinessRuleViolation(message, fields={"body": [message]})
    return found


# --- posts ------------------------------------------------------------------------------------
def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise BusinessRuleViolation(_("Write something to post."),
                                    fields={"body": [_("Write something to post.")]})
    if len(body) > POST_BODY_MAX:
        message = _("A post holds at most %(max)s characters.") % {"max": POST_BODY_MAX}
        raise BusinessRuleViolation(message, fields={"body": [message]})
    return body


@transaction.atomic
def post_create(*, record, actor, body: str, parent: Post | None = None) -> Post:
    """Post on `record` (the caller checked that `actor` may read it). A reply to a reply
    joins the thread of its top post: replies are one level deep."""
    record_type = record_types.for_model(type(record)).name
    body = _clean_body(body)
    if parent is not None:
        if parent.record_type != record_type or parent.record_id != record.pk:
            raise BusinessRuleViolation(_("The post you reply to is on another record."),
                                        fields={"parent": [_("Not a post on this record.")]})
        if parent.parent_id:
            parent = Post.objects.get(pk=parent.parent_id)
    mentioned = resolve_mentions(record_type=record_type, record=record, body=body)
    post = Post.objects.create(record_type=record_type, record_id=record.pk, author=actor,
                               body=body, parent=parent)
    Mention.objects.bulk_create([Mention(post=post, user=u) for u in mentioned],
                                ignore_conflicts=True)
    data = {"post_id": post.pk, "parent_id": parent.pk if parent else None,
            "parent_author_id": parent.author_id if parent else None,
            "author": actor.username, "excerpt": body[:200],
            "mentions": [u.pk for u in mentioned],
            "mention_usernames": [u.username for u in mentioned]}
    # One event carries the mentions too (automation and webhooks read `mention_usernames`):
    # a separate "mentioned" row would only take a slot on every timeline page.
    event = record_event(record=record, actor=actor, action=EventType.POST_CREATED, data=data)
    Post.objects.filter(pk=post.pk).update(event=event)
    post.event = event
    return post


def can_edit(post: Post, user, now=None) -> bool:
    return (post.author_id == user.pk
            and (now or timezone.now()) - post.created_at <= edit_window())


def can_delete(post: Post, user, now=None) -> bool:
    return can_edit(post, user, now) or is_admin(user)


@transaction.atomic
def post_update(*, post: Post, actor, body: str) -> Post:
    post = Post.objects.select_for_update().get(pk=post.pk)
    if not can_edit(post, actor):
        raise PermissionDenied(
            _("Only the author can edit a post, within %(minutes)s minutes of posting.") % {
                "minutes": int(edit_window().total_seconds() // 60)})
    body = _clean_body(body)
    record = _record(post.record_type, post.record_id)
    mentioned = resolve_mentions(record_type=post.record_type, record=record, body=body)
    before = set(post.mention_rows.values_list("user_id", flat=True))
    new = [u for u in mentioned if u.pk not in before]
    post.body = body
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "edited_at"])
    Mention.objects.filter(post=post).exclude(user__in=[u.pk for u in mentioned]).delete()
    Mention.objects.bulk_create([Mention(post=post, user=u) for u in new], ignore_conflicts=True)
    if new:
        record_event(record=record, actor=actor, action=EventType.POST_EDITED,
                     data={"post_id": post.pk, "excerpt": body[:200],
                           "mentions": [u.pk for u in new],
                           "mention_usernames": [u.username for u in new]})
    return post


@transaction.atomic
def post_delete(*, post: Post, actor) -> None:
    post = Post.objects.select_for_update().get(pk=post.pk)
    if not can_delete(post, actor):
        raise PermissionDenied(
            _("Only the author can delete a post, within %(minutes)s minutes of posting.") % {
                "minutes": int(edit_window().total_seconds() // 60)})
    post.delete()


def _record(record_type: str, record_id: int):
    rt = record_types.get(record_type)
    return rt.model._default_manager.get(pk=record_id)


# --- follows ----------------------------------------------------------------------------------
def follow_set(*, user, record, following: bool) -> bool:
    """Follow or stop following `record` (an owner who unfollows is remembered)."""
    record_type = record_types.for_model(type(record)).name
    Follow.objects.update_or_create(user=user, record_type=record_type, record_id=record.pk,
                                    defaults={"active": following})
    return following


# --- fan-out ----------------------------------------------------------------------------------
def event_reason(event: Event) -> str | None:
    """Why followers hear of `event` (None: they do not)."""
    if event.action in (EventType.POST_CREATED, EventType.POST_EDITED):
        return Reason.POST
    if event.action.startswith("email."):
        return Reason.EMAIL
    if event.action == EventType.REASSIGNED:  # the new owner follows the record from now on
        return Reason.TRANSITION
    if event.from_state and event.to_state and event.from_state != event.to_state:
        return Reason.TRANSITION
    return None


def notifying_events_q() -> Q:
    """`event_reason(event) is not None` as a filter."""
    return (Q(action__in=[EventType.POST_CREATED, EventType.POST_EDITED, EventType.REASSIGNED])
            | Q(action__startswith="email.")
            | (~Q(from_state="") & ~Q(to_state="") & ~Q(from_state=F("to_state"))))


def on_event(event: Event, record) -> None:
    """Event listener (inside the writer's transaction): queue the fan-out after commit."""
    if event_reason(event) is None:
        return
    enqueue_on_commit("crm.notifications.fan_out_event", event.pk)  # tasks.fan_out_event


def _recipients(event: Event, record) -> dict[int, str]:
    """user id -> reason, strongest reason first (mention > reply > follower)."""
    reasons: dict[int, str] = {}
    data = event.data or {}
    if event.action in (EventType.POST_CREATED, EventType.POST_EDITED):
        for uid in data.get("mentions") or []:
            reasons.setdefault(int(uid), Reason.MENTION)
        if event.action == EventType.POST_EDITED:
            return reasons
        if data.get("parent_author_id"):
            reasons.setdefault(int(data["parent_author_id"]), Reason.REPLY)
            # Everyone who replied in the thread hears of the next reply too.
            for uid in Post.objects.filter(parent_id=data.get("parent_id")).values_list(
                    "author_id", flat=True):
                reasons.setdefault(uid, Reason.REPLY)
    reason = event_reason(event)
    for uid in selectors.follower_ids(record_type=event.record_type, record=record):
        reasons.setdefault(uid, reason)
    return reasons


@transaction.atomic
def notify_event(*, event_id: int) -> int:
    """Write the notifications of one event; returns how many were new. Idempotent: the unique
    (recipient, event) key makes a second run write nothing."""
    event = Event.objects.select_related("actor").filter(pk=event_id).first()
    if event is None or event.record_type not in record_types:
        return 0
    EventFanout.objects.bulk_create([EventFanout(event=event)], ignore_conflicts=True)
    rt = record_types.get(event.record_type)
    record = rt.model._default_manager.filter(pk=event.record_id).first()
    if record is None or event_reason(event) is None:
        return 0
    reasons = _recipients(event, record)
    reasons.pop(event.actor_id, None)
    if not reasons:
        return 0
    readers = set(selectors.record_readers(record_type=event.record_type, record=record)
                  .filter(pk__in=list(reasons)).values_list("pk", flat=True))
    prefs = dict(NotificationPreference.objects.filter(user_id__in=readers)
                 .values_list("user_id", "email_delivery"))
    status = {EmailDelivery.INSTANT: EmailStatus.PENDING, EmailDelivery.DAILY: EmailStatus.DAILY}
    data = event.data or {}
    post_id = (data.get("post_id")
               if event.action in (EventType.POST_CREATED, EventType.POST_EDITED) else None)
    if post_id and not Post.objects.filter(pk=post_id).exists():
        return 0  # deleted before anyone was told
    text = data.get("excerpt") or event.note or event.title
    label = str(rt.title(record))[:200]
    rows = [Notification(recipient_id=uid, event=event, reason=reasons[uid],
                         actor_id=event.actor_id, record_type=event.record_type,
                         record_id=event.record_id, record_label=label, post_id=post_id,
                         text=str(text)[:300],
                         email_status=status.get(prefs.get(uid), EmailStatus.NONE))
            for uid in sorted(readers)]
    existing = set(Notification.objects.filter(event=event).values_list("recipient_id",
                                                                        flat=True))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    new = [r.recipient_id for r in rows if r.recipient_id not in existing]
    transaction.on_commit(lambda: forget_unread_counts(new))
    pending = list(Notification.objects.filter(event=event, email_status=EmailStatus.PENDING)
                   .values_list("pk", flat=True))
    for pk in pending:
        enqueue_on_commit("crm.notifications.send_email", pk)  # tasks.send_notification_email
    return len(new)


def notify(*, user, title: str, body: str = "", record_type: str = "", record_id: int = 0,
           url: str = "", actor=None, rule_run_id: int | None = None) -> Notification | None:
    """A notification that comes from no event (an automation rule's "notify", a disabled
    webhook): shown in the bell and the notifications page, emailed per the user's preference.
    With `rule_run_id` a retried run never notifies twice (returns None the second time)."""
    pref = (NotificationPreference.objects.filter(user=user)
            .values_list("email_delivery", flat=True).first())
    status = {EmailDelivery.INSTANT: EmailStatus.PENDING,
              EmailDelivery.DAILY: EmailStatus.DAILY}.get(pref, EmailStatus.NONE)
    label = ""
    if record_type in record_types and record_id:
        rt = record_types.get(record_type)
        record = rt.model._default_manager.filter(pk=record_id).first()
        label = str(rt.title(record))[:200] if record is not None else ""
    row = Notification(recipient=user, event=None, reason=Reason.AUTOMATION,
                       actor=actor if getattr(actor, "pk", None) else None,
                       record_type=(record_type or "")[:30], record_id=record_id or 0,
                       record_label=label, title=(title or "")[:200], text=(body or "")[:300],
                       url=(url or "")[:500], rule_run_id=rule_run_id, email_status=status)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # this run already told this user
        return None
    notification = row
    transaction.on_commit(lambda: forget_unread_counts([user.pk]))
    if status == EmailStatus.PENDING:
        # tasks.send_notification_email
        enqueue_on_commit("crm.notifications.send_email", notification.pk)
    return notification


FANOUT_CURSOR_KEY = "notifications:fanout-cursor"
FANOUT_FLOOR_KEY = "notifications:fanout-floor"
FANOUT_LOOKBACK_IDS = 2000


def catch_up(*, limit: int = 500) -> int:
    """Events written without `record_event` (the mail sync's batch of `email.received`) or
    whose fan-out task was lost: fan them out. Walks the event ids from a cursor, looking back
    a little for transactions that committed late; EventFanout rows skip what is done."""
    latest = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    marks = cache.get_many([FANOUT_CURSOR_KEY, FANOUT_FLOOR_KEY])
    if len(marks) < 2:
        # First run (or the cache was lost): start from here. Looking back would tell
        # everyone about old history at once.
        cache.set_many({FANOUT_CURSOR_KEY: latest, FANOUT_FLOOR_KEY: latest}, None)
        return 0
    start = max(int(marks[FANOUT_CURSOR_KEY]) - FANOUT_LOOKBACK_IDS,
                int(marks[FANOUT_FLOOR_KEY]))
    done = 0
    candidates = (Event.objects.filter(notifying_events_q(), pk__gt=start, pk__lte=latest)
                  .exclude(pk__in=EventFanout.objects.filter(event_id__gt=start)
                           .values("event_id"))
                  .order_by("pk")[:limit])
    last = latest
    for event in candidates.only("pk"):
        notify_event(event_id=event.pk)
        done += 1
        last = event.pk
    # A full batch leaves the rest for the next run: resume after the last one done.
    cache.set(FANOUT_CURSOR_KEY, latest if done < limit else last, None)
    return done


# --- reading ----------------------------------------------------------------------------------
def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def forget_unread_counts(user_ids) -> None:
    if user_ids:
        cache.delete_many([unread_cache_key(uid) for uid in user_ids])


def cached_unread_count(user) -> int | None:
    """The bell's count from the cache, or None when it is not there (the bell then loads it
    with one request)."""
    return cache.get(unread_cache_key(user.pk))


def remember_unread_count(user) -> int:
    count = selectors.unread_count(user=user)
    cache.set(unread_cache_key(user.pk), count, UNREAD_CACHE_SECONDS)
    return count


def notification_mark_read(*, notification: Notification, user) -> Notification:
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, recipient=user,
                                    read_at__isnull=True).update(read_at=now)
        notification.read_at = now
        transaction.on_commit(lambda: forget_unread_counts([user.pk]))
    return notification


def notification_mark_all_read(*, user) -> int:
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now())
    transaction.on_commit(lambda: forget_unread_counts([user.pk]))
    return count


def preference_set(*, user, email_delivery: str) -> NotificationPreference:
    pref, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_delivery": email_delivery})
    if email_delivery == EmailDelivery.OFF:
        Notification.objects.filter(recipient=user, email_status__in=[
            EmailStatus.PENDING, EmailStatus.DAILY]).update(email_status=EmailStatus.NONE)
    return pref


# --- email ------------------------------------------------------------------------------------
def notification_url(notification: Notification) -> str:
    from django.urls import NoReverseMatch, reverse

    if notification.url:
        return notification.url
    if notification.record_type not in record_types:
        return ""
    try:
        url = reverse(record_types.get(notification.record_type).url_name,
                      args=[notification.record_id])
    except NoReverseMatch:
        return ""
    return url + (f"#post-{notification.post_id}" if notification.post_id else "#timeline-panel")


def send_notification_email(*, notification_id: int) -> bool:
    """Email one notification to an "instant" user. The claim (a conditional UPDATE) and the
    send share a transaction: a second run finds it claimed and sends nothing; a failed send
    rolls the claim back so a retry sends it."""
    with transaction.atomic():
        claimed = Notification.objects.filter(
            pk=notification_id, email_status=EmailStatus.PENDING).update(
            email_status=EmailStatus.SENT, emailed_at=timezone.now())
        if not claimed:
            return False
        notification = (Notification.objects.select_related("recipient", "actor", "event")
                        .get(pk=notification_id))
        user = notification.recipient
        if not user.email or not user.is_active:
            return False
        base_url = settings.CRM_BASE_URL.rstrip("/")
        language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            ctx = {"user": user, "n": notification,
                   "url": base_url + notification_url(notification),
                   "company": settings.CRM_COMPANY_NAME}
            subject = render_to_string("notifications/email/notification_subject.txt",
                                       ctx).strip()
            text = render_to_string("notifications/email/notification.txt", ctx)
            html = render_to_string("notifications/email/notification.html", ctx)
        message = EmailMultiAlternatives(" ".join(subject.split())[:200], text,
                                         settings.DEFAULT_FROM_EMAIL, [user.email])
        message.attach_alternative(html, "text/html")
        message.send()
    return True


# --- the assistant's daily digest --------------------------------------------------------------
DIGEST_MAX = 50


def digest_user_ids(today) -> set[int]:
    return set(Notification.objects.filter(email_status=EmailStatus.DAILY)
               .values_list("recipient_id", flat=True).distinct())


def digest_section(user, today, base_url: str) -> dict | None:
    rows = list(Notification.objects.filter(recipient=user, email_status=EmailStatus.DAILY)
                .select_related("actor", "event").order_by("-created_at", "-id")[:DIGEST_MAX])
    if not rows:
        return None
    return {"notifications": [{"n": n, "url": base_url + notification_url(n)} for n in rows],
            "notification_ids": [n.pk for n in rows]}


def digest_sent(user, section: dict) -> None:
    """Inside the digest's transaction: those notifications are now emailed."""
    Notification.objects.filter(pk__in=section["notification_ids"],
                                email_status=EmailStatus.DAILY).update(
        email_status=EmailStatus.SENT, emailed_at=timezone.now())
