"""Every write to a card from a person: dismiss and snooze."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.common.errors import BusinessRuleViolation
from crm.users.models import User

from .models import Card, CardState


@transaction.atomic
def card_dismiss(*, card: Card, actor: User) -> Card:
    """Hide the card for good: it stays dismissed while its condition holds (scans keep it)."""
    card = Card.objects.select_for_update().get(pk=card.pk, user=actor)
    card.state = CardState.DISMISSED
    card.snoozed_until = None
    card.save(update_fields=["state", "snoozed_until", "updated_at"])
    return card


@transaction.atomic
def card_snooze(*, card: Card, actor: User, until: datetime | None = None) -> Card:
    """Hide the card until `until` (default: 1 hour for high priority, 24 hours otherwise).

    Refuses a time that is not in the future or more than a year away.
    """
    card = Card.objects.select_for_update().get(pk=card.pk, user=actor)
    now = timezone.now()
    if until is None:
        until = now + card.default_snooze()
    if timezone.is_naive(until):
        until = timezone.make_aware(until)
    if until <= now:
        raise BusinessRuleViolation(_("Choose a time in the future."),
                                    fields={"until": [_("Choose a time in the future.")]})
    if (until - now).days > 365:
        raise BusinessRuleViolation(_("Snooze for at most a year."),
                                    fields={"until": [_("Snooze for at most a year.")]})
    card.state = CardState.SNOOZED
    card.snoozed_until = until
    card.save(update_fields=["state", "snoozed_until", "updated_at"])
    return card
