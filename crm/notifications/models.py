"""Collaboration on a record: posts with @mentions, follows, in-app notifications and each
user's email preference (PROCESS.md, "Collaboration on a record").

Posts and follows point at a record the way events do: a record type name from the registry
("opportunity", "invoice", ...) and an id. Every notification comes from one `Event` row and a
user gets at most one notification per event (unique constraint), so a fan-out task that runs
twice never notifies twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.common.models import BaseModel

POST_BODY_MAX = 5000


class Post(BaseModel):
    """A short message on a record's timeline; a reply has a `parent` (one level deep)."""

    record_type = models.CharField(_("record type"), max_length=30)
    record_id = models.BigIntegerField(_("record id"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"),
                               on_delete=models.PROTECT, related_name="posts")
    body = models.TextField(_("text"), max_length=POST_BODY_MAX)
    parent = models.ForeignKey("self", verbose_name=_("reply to"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="replies")
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True, editable=False)
    # The `post_created` event that puts this post on the timeline.
    event = models.ForeignKey("activities.Event", null=True, blank=True, editable=False,
                              on_delete=models.SET_NULL, related_name="+")
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Mention",
                                      related_name="mentioned_in_posts", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["record_type", "record_id", "-created_at", "-id"],
                         name="post_record_idx"),
            models.Index(fields=["parent", "created_at"], name="post_parent_idx"),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def root_id(self) -> int:
        return self.parent_id or self.pk


class Mention(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mention_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="mentions")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"],
                                               name="mention_unique_post_user")]


class Follow(models.Model):
    """`active=False` records that someone stopped following (an owner follows their records
    without a row; unfollowing writes one)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="follows")
    record_type = models.CharField(max_length=30)
    record_id = models.BigIntegerField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "record_type", "record_id"],
                                               name="follow_unique_user_record")]
        indexes = [models.Index(fields=["record_type", "record_id"], name="follow_record_idx")]


class Reason(models.TextChoices):
    MENTION = "mention", _("Mentioned you")
    REPLY = "reply", _("Replied to you")
    POST = "post", _("New post")
    TRANSITION = "transition", _("Record changed")
    EMAIL = "email", _("Email")
    AUTOMATION = "automation", _("Automation rule")


class EmailStatus(models.TextChoices):
    NONE = "", _("Not emailed")
    PENDING = "pending", _("To be emailed now")
    DAILY = "daily", _("In the daily summary")
    SENT = "sent", _("Emailed")


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    # Empty for a notification that comes from no event (an automation rule's "notify").
    event = models.ForeignKey("activities.Event", null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # reason=automation: the rule run that wrote it (one notification per recipient and run).
    rule_run_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    record_type = models.CharField(max_length=30)
    record_id = models.BigIntegerField()
    record_label = models.CharField(max_length=200, blank=True)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    text = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=EmailStatus.choices, blank=True,
                                    default=EmailStatus.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event"],
                                    name="notification_unique_recipient_event"),
            models.UniqueConstraint(fields=["recipient", "rule_run_id"],
                                    condition=Q(rule_run_id__isnull=False),
                                    name="notification_unique_recipient_run"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"],
                         name="notification_recipient_idx"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True),
                         name="notification_unread_idx"),
            models.Index(fields=["recipient"], condition=Q(email_status="daily"),
                         name="notification_daily_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.text}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailDelivery(models.TextChoices):
    OFF = "off", _("Off: only in the app")
    INSTANT = "instant", _("Instantly, one email per notification")
    DAILY = "daily", _("A daily summary in the assistant's digest")


class NotificationPreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    email_delivery = models.CharField(_("email me notifications"), max_length=10,
                                      choices=EmailDelivery.choices, default=EmailDelivery.OFF)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email_delivery}"


class EventFanout(models.Model):
    """An event whose notifications were written (the catch-up skips it)."""

    event = models.OneToOneField("activities.Event", on_delete=models.CASCADE,
                                 primary_key=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
