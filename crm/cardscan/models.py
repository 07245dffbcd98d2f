from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .parser import FIELDS, LOW_CONFIDENCE


class ScanStatus(models.TextChoices):
    PENDING = "pending", _("Reading the card")
    DONE = "done", _("Read")
    FAILED = "failed", _("Could not be read")
    SAVED = "saved", _("Saved")


class ScanTarget(models.TextChoices):
    LEAD = "lead", _("Lead")
    CONTACT = "contact", _("Contact")


def card_image_path(instance: "CardScan", filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"cardscan/{timezone.now():%Y/%m}/{instance.token}.{ext}"


class CardScan(models.Model):
    """One photo of a business card and what the scanner read from it.

    The picture is kept while the seller reviews the fields. When they save, the scan is linked
    to the new record (`record_type`, `record_id`); the picture stays on it when
    `CRM_CARDSCAN_KEEP_IMAGE` is on, and is deleted otherwise. Unsaved scans lose their picture
    after a day (`crm.cardscan.purge_unsaved_images`).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="card_scans")
    token = models.CharField(max_length=32, unique=True, editable=False)
    target = models.CharField(max_length=10, choices=ScanTarget.choices,
                              default=ScanTarget.CONTACT)
    status = models.CharField(max_length=10, choices=ScanStatus.choices,
                              default=ScanStatus.PENDING)
    image = models.FileField(upload_to=card_image_path, blank=True, max_length=200)
    content_type = models.CharField(max_length=40, blank=True)
    fields = models.JSONField(default=dict, blank=True)
    confidence = models.JSONField(default=dict, blank=True)
    raw_text = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    record_type = models.CharField(max_length=30, blank=True)
    record_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="cardscan_owner_idx"),
            models.Index(fields=["record_type", "record_id"], name="cardscan_record_idx",
                         condition=models.Q(record_id__isnull=False)),
            models.Index(fields=["status", "created_at"], name="cardscan_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Card scan {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("cardscan-review", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status != ScanStatus.PENDING

    @property
    def low_confidence_fields(self) -> list[str]:
        return [name for name in FIELDS
                if self.fields.get(name) and self.confidence.get(name, 0) < LOW_CONFIDENCE]
