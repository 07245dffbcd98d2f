from django.conf import settings
from django.db import models
from django.utils import timezone


class Event(models.Model):
    """A system event on a record (a transition, a stage change, a payment...).

    Written by every transition service through `crm.activities.events.record_event`; the
    record's timeline shows it. `record_type` is a name from the record-type registry
    ("lead", "opportunity", ...).
    """

    record_type = models.CharField(max_length=30)
    record_id = models.BigIntegerField()
    action = models.CharField(max_length=60)
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["record_type", "record_id", "-occurred_at", "-id"],
                         name="event_record_idx"),
        ]

    def __str__(self):
        return f"{self.record_type}:{self.record_id} {self.action}"
