"""Assistant cards from email (PROCESS.md): a customer replied, no reply to a sent email after
N days (MailSettings.no_reply_days, admin-editable), a mailbox disabled after repeated login
failures. The competitor card lives with the opportunities (opportunities/mail.py).

Cards about a message open its thread (`email-detail`); storing a message refreshes the cards
of its thread right after the commit.
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.assistant.helpers import local_date
from crm.assistant.models import Priority
from crm.assistant.registry import CardSpec, Rule, register_rule

from .models import EmailDirection, EmailMessage, EmailStatus, Mailbox, MailboxState, MailSettings

RECORD_TYPE = "email"
MODEL = "mail.EmailMessage"
REPLY_WINDOW = timedelta(days=14)
NO_REPLY_WINDOW = timedelta(days=30)


def _earlier(field="sent_at"):
    return (EmailMessage.objects.filter(thread_id=OuterRef("thread_id"))
            .filter(Q(sent_at__lt=OuterRef("sent_at"))
                    | Q(sent_at=OuterRef("sent_at"), pk__lt=OuterRef("pk")))
            .order_by("-sent_at", "-pk"))


def _later(**extra):
    return EmailMessage.objects.filter(thread_id=OuterRef("thread_id"),
                                       sent_at__gt=OuterRef("sent_at"), **extra)


# --- a customer replied -------------------------------------------------------------------------
def _replied(ctx):
    earlier = _earlier()
    return (EmailMessage.objects.select_related("activity")
            .filter(direction=EmailDirection.INCOMING, activity__isnull=False,
                    thread__isnull=False, sent_at__gte=ctx.now - REPLY_WINDOW)
            .annotate(prev_direction=Subquery(earlier.values("direction")[:1]),
                      prev_sender=Subquery(earlier.values("sent_by_id")[:1]),
                      prev_owner=Subquery(earlier.values("activity__owner_id")[:1]))
            .filter(prev_direction=EmailDirection.OUTGOING)
            .exclude(Exists(_later())))


def _build_replied(ctx, message):
    user_id = message.prev_sender or message.prev_owner or message.activity.owner_id
    return CardSpec(
        user_id=user_id, due_date=local_date(message.sent_at), priority=Priority.HIGH,
        title=_("Customer replied: %(subject)s") % {"subject": message.subject or "—"},
        body=_("%(sender)s answered your email. Open the thread.") % {
            "sender": message.from_name or message.from_address},
    )


register_rule(Rule(
    kind="email_customer_replied", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("Customer replied"), queryset=_replied, build=_build_replied,
))


# --- no reply to a sent email -------------------------------------------------------------------
def _days() -> timedelta:
    return timedelta(days=MailSettings.load().no_reply_days)


def _no_reply(ctx):
    cutoff = ctx.now - _days()
    return (EmailMessage.objects.select_related("activity")
            .filter(direction=EmailDirection.OUTGOING, activity__isnull=False,
                    thread__isnull=False, status=EmailStatus.SENT, sent_at__lte=cutoff,
                    sent_at__gte=cutoff - NO_REPLY_WINDOW)
            .exclude(Exists(_later(direction=EmailDirection.INCOMING)))
            .exclude(Exists(_later(direction=EmailDirection.OUTGOING))))


def _build_no_reply(ctx, message):
    days = _days()
    return CardSpec(
        user_id=message.sent_by_id or message.activity.owner_id,
        due_date=local_date(message.sent_at + days), priority=Priority.NORMAL,
        title=_("No reply: %(subject)s") % {"subject": message.subject or "—"},
        body=_("Sent %(days)s days ago to %(to)s; no answer yet. Follow up?") % {
            "days": days.days, "to": ", ".join(message.to[:3])},
    )


def _no_reply_boundary(ctx, since, now):
    days = _days()
    return Q(sent_at__gt=since - days, sent_at__lte=now - days)


register_rule(Rule(
    kind="email_no_reply", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("No reply to a sent email"), queryset=_no_reply, build=_build_no_reply,
    boundary=_no_reply_boundary,
))


# --- mailbox disabled ---------------------------------------------------------------------------
def _disabled(ctx):
    return Mailbox.objects.filter(state=MailboxState.DISABLED)


def _build_disabled(ctx, mailbox):
    return CardSpec(
        user_id=mailbox.owner_id,
        due_date=local_date(mailbox.last_error_at or mailbox.updated_at),
        priority=Priority.HIGH,
        title=_("Mailbox disabled: %(address)s") % {"address": mailbox.address},
        body=_("The server refused the login %(count)s times: %(error)s. Update the password "
               "in the email settings.") % {"count": mailbox.auth_failures,
                                             "error": mailbox.last_error[:200]},
    )


register_rule(Rule(
    kind="mailbox_disabled", record_type="mailbox", model_label="mail.Mailbox",
    label=gettext_lazy("Mailbox disabled"), queryset=_disabled, build=_build_disabled,
))
