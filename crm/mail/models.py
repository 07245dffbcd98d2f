"""Email: mailboxes synced over IMAP, the messages tracked in the CRM, templates.

One `EmailMessage` per `Message-ID` however many mailboxes carry it (`MailboxMessage` rows say
which mailbox/folder/UID holds it). A message is linked to a record through its completed
`email` activity, so the timeline, the rollups and the visibility rules are the activity's.
"""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.common.models import BaseModel

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


def _fernet() -> "Fernet":
    from cryptography.fernet import Fernet

    key = settings.CRM_MAIL_KEY
    if not key:
        # settings.py derives a key from SECRET_KEY only when DEBUG is on.
        raise ImproperlyConfigured("CRM_MAIL_KEY must be set to store mailbox passwords")
    return Fernet(key.encode() if isinstance(key, str) else key)


class MailboxKind(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    QUEUE = "queue", _("Queue")


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None")


class MailboxState(models.TextChoices):
    OK = "ok", _("OK")
    FAILING = "failing", _("Failing")
    DISABLED = "disabled", _("Disabled")


def default_folders() -> list[str]:
    return ["INBOX", "Sent"]


class Mailbox(BaseModel):
    kind = models.CharField(_("kind"), max_length=10, choices=MailboxKind.choices,
                            default=MailboxKind.PERSONAL)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.CASCADE, related_name="mailboxes")
    address = models.EmailField(_("address"))
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    imap_host = models.CharField(_("IMAP host"), max_length=255)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993,
                                            validators=[MinValueValidator(1),
                                                        MaxValueValidator(65535)])
    imap_security = models.CharField(_("IMAP security"), max_length=10,
                                     choices=Security.choices, default=Security.SSL)
    smtp_host = models.CharField(_("SMTP host"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587,
                                            validators=[MinValueValidator(1),
                                                        MaxValueValidator(65535)])
    smtp_security = models.CharField(_("SMTP security"), max_length=10,
                                     choices=Security.choices, default=Security.STARTTLS)
    username = models.CharField(_("username"), max_length=255)
    password_encrypted = models.TextField(blank=True, editable=False)
    folders = models.JSONField(_("folders"), default=default_folders)
    state = models.CharField(_("state"), max_length=10, choices=MailboxState.choices,
                             default=MailboxState.OK)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True,
                                         editable=False)
    auth_failures = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["kind", "address", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner"], condition=Q(kind="personal"),
                                    name="mail_one_personal_mailbox_per_user"),
        ]

    def __str__(self) -> str:
        return self.address

    def set_password(self, raw: str) -> None:
        self.password_encrypted = _fernet().encrypt(raw.encode()).decode() if raw else ""

    def get_password(self) -> str:
        if not self.password_encrypted:
            return ""
        from cryptography.fernet import InvalidToken

        try:
            return _fernet().decrypt(self.password_encrypted.encode()).decode()
        except InvalidToken:
            return ""

    @property
    def is_queue(self) -> bool:
        return self.kind == MailboxKind.QUEUE


class MailboxFolder(models.Model):
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="folder_states")
    name = models.CharField(max_length=255)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_sync_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "name"], name="mail_folder_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox} / {self.name}"


class EmailThread(models.Model):
    subject = models.CharField(max_length=500, blank=True)
    regarding_type = models.CharField(max_length=30, blank=True)
    regarding_id = models.BigIntegerField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["regarding_type", "regarding_id"], name="mail_thread_reg_idx"),
        ]

    def __str__(self) -> str:
        return self.subject or f"thread {self.pk}"


class EmailDirection(models.TextChoices):
    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")


class EmailStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    DRAFT = "draft", _("Draft")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class EmailMessage(BaseModel):
    message_id = models.CharField(max_length=998, unique=True)
    thread = models.ForeignKey(EmailThread, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="messages")
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    direction = models.CharField(max_length=10, choices=EmailDirection.choices,
                                 default=EmailDirection.INCOMING)
    from_address = models.CharField(max_length=320, blank=True, db_index=True)
    from_name = models.CharField(max_length=300, blank=True)
    to = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=1000, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=EmailStatus.choices,
                              default=EmailStatus.RECEIVED)
    error = models.TextField(blank=True)
    activity = models.OneToOneField("activities.Activity", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="email_message")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="sent_emails")
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="sent_messages")
    # The users who tracked this message (their mailbox carries it, or they linked it).
    tracked_by = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                        related_name="tracked_emails")
    # Outgoing (mail-send, crm/mail/sending.py): the worker that sends a `sending` message first
    # claims it by setting this with a conditional UPDATE, so a message is handed to the SMTP
    # server at most once however many tasks or retries run; a failure clears it.
    send_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The sender's key for one "Send" (the compose form's hidden key or the API's
    # Idempotency-Key): a double submit finds the first message instead of sending twice.
    idempotency_key = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["thread", "sent_at"], name="mail_msg_thread_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["sent_by", "idempotency_key"],
                                    condition=~Q(idempotency_key=""),
                                    name="mail_send_idempotency_unique"),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id

    @property
    def regarding_type(self) -> str | None:
        activity = self.activity if self.activity_id else None
        return activity.regarding_type if activity is not None else None

    @property
    def regarding_id(self) -> int | None:
        activity = self.activity if self.activity_id else None
        return activity.regarding_id if activity is not None else None


class MailboxMessage(models.Model):
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="items")
    folder = models.CharField(max_length=255)
    uid = models.BigIntegerField()
    # Null: seen and skipped (not tracked, or failed to parse), so it is never fetched again.
    message = models.ForeignKey(EmailMessage, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="mailbox_items")
    skipped = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "folder", "uid"],
                                    name="mail_mailbox_message_unique"),
        ]
        indexes = [
            models.Index(fields=["message", "mailbox"], name="mail_mbmsg_msg_idx"),
        ]


def attachment_upload_to(instance: Any, filename: str) -> str:
    return f"mail/{timezone.now():%Y/%m}/{filename}"


class EmailAttachment(models.Model):
    message = models.ForeignKey(EmailMessage, on_delete=models.CASCADE,
                                related_name="attachments")
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=attachment_upload_to, null=True, blank=True,
                            max_length=500)
    content_id = models.CharField(max_length=255, blank=True)
    skipped_reason = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return self.filename


class NeverTrack(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="never_track")
    pattern = models.CharField(_("address or @domain"), max_length=320)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["pattern"]
        constraints = [
            models.UniqueConstraint(fields=["user", "pattern"], name="mail_never_track_unique"),
        ]

    def __str__(self) -> str:
        return self.pattern


class UntrackedMessage(models.Model):
    """A message a user removed from the CRM: a re-sync of their mailbox does not bring it back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    message_id = models.CharField(max_length=998)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "message_id"], name="mail_untracked_unique"),
        ]


class EmailTemplate(BaseModel):
    name = models.CharField(_("name"), max_length=200)
    subject = models.CharField(_("subject"), max_length=500)
    body = models.TextField(_("body"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.CASCADE, related_name="email_templates")
    shared = models.BooleanField(_("shared with everyone"), default=False)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class MailSettings(models.Model):
    """Email thresholds for the assistant (one row, edited in the admin)."""

    no_reply_days = models.PositiveIntegerField(
        _("no reply to a sent email after (days)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    competitors = models.TextField(
        _("competitors"), blank=True,
        help_text=_("One competitor name per line (added to the competitors of close records)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("email settings")
        verbose_name_plural = _("email settings")

    def __str__(self) -> str:
        return str(_("Email settings"))

    @classmethod
    def load(cls) -> "MailSettings":
        obj = cls.objects.order_by("pk").first()
        return obj if obj is not None else cls.objects.create()

    def competitor_names(self) -> list[str]:
        return [line.strip() for line in self.competitors.splitlines() if line.strip()]
