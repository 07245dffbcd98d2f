"""Scoped reads of mail.

A tracked message linked to a record is readable by whoever may read its email activity (the
activity's own rules and its record's); an unlinked message only by the users whose mailbox
carries it (or who tracked or sent it).
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from crm.activities.models import REGARDING_FIELDS
from crm.activities.selectors import activity_list
from crm.common.visibility import is_admin

from .models import EmailMessage, Mailbox, MailboxKind, NeverTrack


def _tracked_by(user: Any) -> Exists:
    through = EmailMessage.tracked_by.through
    return Exists(through.objects.filter(emailmessage_id=OuterRef("pk"), user_id=user.pk))


def email_list(*, user: Any) -> QuerySet[EmailMessage]:
    if not user.is_authenticated:
        return EmailMessage.objects.none()
    readable_activities = activity_list(user=user).values("pk")
    return (EmailMessage.objects
            .filter(Q(activity__in=readable_activities) | Q(sent_by=user) | _tracked_by(user))
            .select_related("activity")
            .prefetch_related("attachments"))


def email_get(*, user: Any, pk: Any) -> EmailMessage:
    message = email_list(user=user).filter(pk=pk).first()
    if message is None:
        raise Http404("No email matches the given query.")
    return message


def email_filter(qs: QuerySet[EmailMessage], *, thread: Any = None, regarding_type: str | None = None,
                 regarding_id: Any = None, direction: str | None = None) -> QuerySet[EmailMessage]:
    if thread:
        qs = qs.filter(thread_id=thread)
    if direction:
        qs = qs.filter(direction=direction)
    if regarding_type:
        field = REGARDING_FIELDS.get(regarding_type)
        if field is None:
            return qs.none()
        if regarding_id:
            qs = qs.filter(**{f"activity__{field}_id": regarding_id})
        else:
            qs = qs.filter(**{f"activity__{field}__isnull": False})
    return qs


def unlinked_list(*, user: Any) -> QuerySet[EmailMessage]:
    """The user's tracked messages that regard no record yet (the "Unlinked" page)."""
    return (EmailMessage.objects.filter(_tracked_by(user), activity__isnull=True)
            .order_by("-sent_at", "-id"))


def mailbox_list(*, user: Any) -> QuerySet[Mailbox]:
    """The caller's own mailbox; admins also see the queue mailboxes."""
    if not user.is_authenticated:
        return Mailbox.objects.none()
    qs = Mailbox.objects.select_related("owner")
    if is_admin(user):
        return qs.filter(Q(owner=user) | Q(kind=MailboxKind.QUEUE))
    return qs.filter(owner=user, kind=MailboxKind.PERSONAL)


def mailbox_get(*, user: Any, pk: Any) -> Mailbox:
    mailbox = mailbox_list(user=user).filter(pk=pk).first()
    if mailbox is None:
        raise Http404("No mailbox matches the given query.")
    return mailbox


def personal_mailbox(user: Any) -> Mailbox | None:
    return Mailbox.objects.filter(owner=user, kind=MailboxKind.PERSONAL).first()


def never_track_list(*, user: Any) -> QuerySet[NeverTrack]:
    return NeverTrack.objects.filter(user=user)
