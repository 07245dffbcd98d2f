"""Reads of assistant cards, always the caller's own."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.users.models import User

from .models import Card

Viewer = User | AnonymousUser


def card_list(*, user: Viewer, now: datetime | None = None) -> QuerySet[Card]:
    """The cards `user` should see now, most urgent first (snoozed ones whose time passed too)."""
    if not user.is_authenticated:
        return Card.objects.none()
    return Card.objects.filter(user=user).visible(now or timezone.now()).order_by(
        "priority", "due_date", "id"
    )


def cards_for(user: Viewer, limit: int | None = None) -> list[Card]:
    """Top cards for the home page panel (highest priority, earliest due first)."""
    qs = card_list(user=user)
    return list(qs[:limit] if limit else qs)


def card_count(*, user: Viewer) -> int:
    return card_list(user=user).count()


def cards_for_record(*, user: Viewer, record_type: str, record_id: int) -> list[Card]:
    return list(card_list(user=user).filter(record_type=record_type, record_id=record_id))


def card_get(*, user: Viewer, pk: Any) -> Card:
    """A card of the caller's (any state); someone else's card does not exist for them (404)."""
    return get_object_or_404(Card, user=user, pk=pk) if user.is_authenticated else \
        get_object_or_404(Card.objects.none(), pk=pk)
