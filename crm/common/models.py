from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language

# (field, language) -> {value: label}; see BaseModel._get_FIELD_display
_CHOICE_LABELS: dict[tuple[models.Field[Any, Any], str | None], dict[Any, Any]] = {}


class BaseModel(models.Model):
    """Every domain record: timestamps and an optimistic-locking `version`.

    `version` goes up by one on every save, so an API client's `If-Match` can tell whether the
    record changed since it read it. A `save(update_fields=...)` keeps that promise too.
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            self.version = (self.version or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = set(update_fields) | {"version", "updated_at"}
        super().save(*args, **kwargs)

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:
        """`get_<field>_display()` with the choice labels translated once per language.

        Django rebuilds a dict of every choice on each call, and hashing a lazy label
        translates it: a list page of 25 rows showing three choice fields ran ~500 gettext
        calls. Fixed choices (a list) are cached; anything else goes the stock way.
        """
        if not isinstance(field.choices, list | tuple):
            return super()._get_FIELD_display(field)  # type: ignore[misc]
        key = (field, get_language())
        labels = _CHOICE_LABELS.get(key)
        if labels is None:
            labels = {make_hashable(value): force_str(label, strings_only=True)
                      for value, label in field.flatchoices}
            _CHOICE_LABELS[key] = labels
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class IdempotencyRecord(models.Model):
    """The first response to a POST that carried an `Idempotency-Key` (kept 24 hours)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.BinaryField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")
        ]


class OutboxMessage(models.Model):
    """A Celery task that could not be published (broker down); beat re-sends it later."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class DocumentSequence(models.Model):
    """Gap-free, duplicate-free numbering: one row per series (e.g. `INV-2026`), locked on use."""

    name = models.CharField(max_length=50, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)


class ActivityRollupFields(models.Model):
    """Kept by the timeline aggregation tasks: last activity and open-activity count."""

    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)
    open_activity_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        abstract = True


class AddressFields(models.Model):
    street = models.CharField("street", max_length=200, blank=True)
    city = models.CharField("city", max_length=100, blank=True)
    state = models.CharField("state/province", max_length=100, blank=True)
    postal_code = models.CharField("postal code", max_length=20, blank=True)
    country = models.CharField("country", max_length=100, blank=True)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        city_line = " ".join(p for p in [self.postal_code, self.city] if p)
        if self.state:
            city_line = f"{city_line}, {self.state}" if city_line else self.state
        return [line for line in [self.street, city_line, self.country] if line]
