"""The admin's home page: the state of the system and links to the settings pages.

The core reports what it owns (task queue, outbox, worker heartbeat, last beat run, mailboxes,
assistant scan); pipeline apps contribute their own status lines and settings links from their
`insights.py` through `register_admin_status()` / `register_admin_link()`, so the core never
imports them.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.assistant.models import ScanState
from crm.common.heartbeat import last_beat_run, last_heartbeat
from crm.common.models import OutboxMessage
from crm.common.readiness import check_worker
from crm.mail.models import Mailbox, MailboxKind, MailboxState

logger = logging.getLogger(__name__)

OK, WARN, BAD = "ok", "warn", "bad"


@dataclass
class StatusLine:
    """One line of the system state: a label, a value and optional detail, link and items."""

    label: str
    value: str
    state: str = OK  # ok | warn | bad (how the value is highlighted)
    detail: str = ""
    url: str | None = None
    at: datetime | None = None  # shown with the date policy ({% when %})
    items: list[tuple[str, str | None]] = field(default_factory=list)  # (text, url)


@dataclass(frozen=True)
class AdminStatus:
    """A status line an app contributes: `compute()` returns a StatusLine (or None to hide)."""

    name: str
    compute: Callable[[], StatusLine | None]
    order: int = 100


@dataclass(frozen=True)
class AdminLink:
    """A settings page: a URL name (reversed when shown; skipped while it does not exist)."""

    name: str
    label: str
    url_name: str
    order: int = 100


admin_statuses: dict[str, AdminStatus] = {}
admin_links: dict[str, AdminLink] = {}


def register_admin_status(status: AdminStatus) -> AdminStatus:
    admin_statuses[status.name] = status
    return status


def register_admin_link(link: AdminLink) -> AdminLink:
    admin_links[link.name] = link
    return link


# --- the core's own status lines --------------------------------------------------------------

def celery_queue_length() -> int | str:
    """Tasks waiting in the default queue: an int, "inline" (no broker: tasks run in the
    request) or "unavailable" (Redis cannot be reached; the page still renders)."""
    if not settings.REDIS_URL:
        return "inline"
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1,
                                      socket_timeout=1)
        try:
            return int(client.llen(settings.CELERY_TASK_DEFAULT_QUEUE))
        finally:
            client.close()
    except Exception as exc:
        logger.warning("admin home: queue length unavailable: %s", exc)
        return "unavailable"


def _queue_line() -> StatusLine:
    length = celery_queue_length()
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    if length == "inline":
        return StatusLine(_("Task queue"), _("inline"),
                          detail=_("No REDIS_URL: background tasks run inside the request."))
    if length == "unavailable":
        return StatusLine(_("Task queue"), _("unavailable"), state=BAD,
                          detail=_("Redis cannot be reached."))
    return StatusLine(_("Task queue"), str(length), state=OK if length < 100 else WARN,
                      detail=_("tasks waiting in “%(queue)s”") % {"queue": queue})


def _outbox_line() -> StatusLine:
    count = OutboxMessage.objects.count()
    return StatusLine(_("Outbox backlog"), str(count), state=OK if count == 0 else WARN,
                      detail=_("tasks not yet published to the broker; beat re-sends them"))


def _worker_line() -> StatusLine:
    try:
        state = check_worker()
        beat = last_heartbeat() if state != "inline" else None
    except Exception as exc:  # the cache fails open; so does this page
        logger.warning("admin home: worker heartbeat unavailable: %s", exc)
        return StatusLine(_("Worker heartbeat"), _("unavailable"), state=BAD)
    if state == "inline":
        return StatusLine(_("Worker heartbeat"), _("inline"),
                          detail=_("No worker: tasks run inside the request."))
    if not beat:
        return StatusLine(_("Worker heartbeat"), _("missing"), state=BAD,
                          detail=_("No worker has reported; is `celery worker` running?"))
    at = datetime.fromtimestamp(float(beat.get("at", 0)), tz=UTC)
    return StatusLine(_("Worker heartbeat"), _("ok") if state == "ok" else _("stale"),
                      state=OK if state == "ok" else BAD, at=at,
                      detail=_("from %(host)s") % {"host": beat.get("hostname", "?")})


# Beat sends a task at least every minute (outbox dispatch); quiet longer than this = stopped.
BEAT_STALE_SECONDS = 300


def _beat_line() -> StatusLine:
    try:
        state = check_worker()
        run = last_beat_run() if state != "inline" else None
    except Exception as exc:  # the cache fails open; so does this page
        logger.warning("admin home: beat heartbeat unavailable: %s", exc)
        return StatusLine(_("Last beat run"), _("unavailable"), state=BAD)
    if state == "inline":
        return StatusLine(_("Last beat run"), _("inline"),
                          detail=_("No REDIS_URL: scheduled tasks do not run."))
    if not run:
        return StatusLine(_("Last beat run"), _("never"), state=BAD,
                          detail=_("Beat has not run; is `celery beat` running?"))
    at_seconds = float(run.get("at", 0))
    fresh = time.time() - at_seconds <= BEAT_STALE_SECONDS
    return StatusLine(_("Last beat run"), _("ok") if fresh else _("stale"),
                      state=OK if fresh else BAD, at=datetime.fromtimestamp(at_seconds, tz=UTC),
                      detail=_("sent “%(task)s”") % {"task": run.get("task", "?")})


def _mailboxes_line() -> StatusLine:
    def link(mailbox):
        # A queue mailbox has its settings page; a person's own mailbox is theirs alone to
        # open in the app, so the admin gets its (password-less) Django admin page.
        if mailbox.kind == MailboxKind.QUEUE:
            return reverse("mailbox-detail", args=[mailbox.pk])
        return reverse("admin:mail_mailbox_change", args=[mailbox.pk])

    bad = list(Mailbox.objects.filter(state__in=[MailboxState.FAILING, MailboxState.DISABLED])
               .order_by("address"))
    items = [(f"{m.address} · {m.get_state_display()}"
              + (f" · {m.last_error[:80]}" if m.last_error else ""), link(m)) for m in bad]
    return StatusLine(_("Mailboxes failing or disabled"), str(len(bad)),
                      state=OK if not bad else BAD, url=reverse("mailbox-list"), items=items)


def _assistant_line() -> StatusLine:
    last = ScanState.objects.aggregate(last=Max("last_scanned_at"))["last"]
    if last is None:
        return StatusLine(_("Last assistant scan"), _("never"), state=WARN)
    return StatusLine(_("Last assistant scan"), "", at=last)


register_admin_status(AdminStatus("queue", _queue_line, order=10))
register_admin_status(AdminStatus("outbox", _outbox_line, order=20))
register_admin_status(AdminStatus("worker", _worker_line, order=30))
register_admin_status(AdminStatus("beat", _beat_line, order=35))
register_admin_status(AdminStatus("mailboxes", _mailboxes_line, order=40))
register_admin_status(AdminStatus("assistant", _assistant_line, order=50))

for _link in (
    AdminLink("users", gettext_lazy("Users"), "admin:users_user_changelist", 10),
    AdminLink("teams", gettext_lazy("Teams"), "admin:users_team_changelist", 15),
    AdminLink("mailboxes", gettext_lazy("Mailboxes"), "mailbox-list", 20),
    AdminLink("mail-settings", gettext_lazy("Mail settings"),
              "admin:mail_mailsettings_changelist", 25),
    AdminLink("email-templates", gettext_lazy("Email templates"), "emailtemplate-list", 30),
    AdminLink("assistant", gettext_lazy("Assistant thresholds"),
              "admin:assistant_assistantsettings_changelist", 40),
    AdminLink("products", gettext_lazy("Products"), "admin:catalog_product_changelist", 60),
    AdminLink("price-lists", gettext_lazy("Price lists"),
              "admin:catalog_pricelist_changelist", 61),
    AdminLink("tax-rates", gettext_lazy("Tax rates"), "admin:catalog_taxrate_changelist", 62),
):
    register_admin_link(_link)


def system_status() -> list[StatusLine]:
    """Every registered status line, in order; one that fails shows as unavailable."""
    lines = []
    for status in sorted(admin_statuses.values(), key=lambda s: (s.order, s.name)):
        try:
            line = status.compute()
        except Exception:
            logger.exception("admin home: status %s failed", status.name)
            line = StatusLine(status.name, _("unavailable"), state=BAD)
        if line is not None:
            lines.append(line)
    return lines


def settings_links() -> list[tuple[str, str]]:
    links = []
    for link in sorted(admin_links.values(), key=lambda x: (x.order, x.name)):
        try:
            links.append((str(link.label), reverse(link.url_name)))
        except NoReverseMatch:
            continue
    return links
