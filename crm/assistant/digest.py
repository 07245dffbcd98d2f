"""The daily digest e-mail: each user's cards, HTML + text, sent at most once per user and day."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.common.formatting import format_day
from crm.users.locale import user_locale

from .models import AssistantSettings, Card, DigestLog
from .registry import kind_label
from .selectors import card_list

logger = logging.getLogger(__name__)
MAX_CARDS = 50


@dataclass(frozen=True)
class DigestSection:
    """Another app's part of the digest (notifications' daily summary).

    `user_ids(today)` -> ids with something to say; `collect(user, today, base_url)` -> a
    context dict (or None); `sent(user, section)` runs inside the transaction of the send.
    Rendered with `<template_prefix>.txt` / `.html` and `section` in the context.
    """

    name: str
    template_prefix: str
    user_ids: Callable
    collect: Callable
    sent: Callable


digest_sections: dict[str, DigestSection] = {}


def register_digest_section(section: DigestSection) -> DigestSection:
    digest_sections[section.name] = section
    return section


def send_digest(user, *, today=None, base_url: str = "") -> bool:
    """Send `user` today's digest unless it was already sent. Returns True when sent.

    The DigestLog row is inserted in the same transaction as the send: a second run (or a
    concurrent one) hits the unique (user, date) key and sends nothing; a failed send rolls the
    row back so the next run tries again.
    """
    today = today or timezone.localdate()
    if not user.email:
        return False
    cards = list(card_list(user=user)[: MAX_CARDS + 1])
    sections = []
    for section in digest_sections.values():
        data = section.collect(user, today, base_url)
        if data:
            sections.append((section, data))
    if not cards and not sections:
        return False
    more = len(cards) > MAX_CARDS
    cards = cards[:MAX_CARDS]
    try:
        with transaction.atomic():
            DigestLog.objects.create(user=user, date=today, card_count=len(cards))
            for section, data in sections:
                section.sent(user, data)
            with user_locale(user):  # the e-mail speaks the user's language
                _send(user, cards, more=more, today=today, base_url=base_url,
                      sections=sections)
    except IntegrityError:
        return False
    return True


def _send(user, cards: list[Card], *, more: bool, today, base_url: str,
          sections=()) -> None:
    rows = [{"card": c, "label": kind_label(c.kind), "url": base_url + c.record_url()}
            for c in cards]
    ctx = {"user": user, "rows": rows, "more": more, "today": today, "base_url": base_url,
           "company": settings.CRM_COMPANY_NAME}
    extra_text, extra_html = [], []
    for section, data in sections:
        section_ctx = {**ctx, "section": data}
        extra_text.append(render_to_string(f"{section.template_prefix}.txt", section_ctx))
        extra_html.append(render_to_string(f"{section.template_prefix}.html", section_ctx))
    ctx.update(sections_text="".join(extra_text), sections_html="".join(extra_html))
    if cards:
        subject = _("Your assistant: %(count)s card(s) for %(date)s") % {
            "count": len(cards), "date": format_day(today)}
    else:
        subject = _("Your daily summary for %(date)s") % {"date": format_day(today)}
    text = render_to_string("assistant/email/digest.txt", ctx)
    html = render_to_string("assistant/email/digest.html", ctx)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    message.send()


def send_digests(*, today=None) -> int:
    """Every active user with cards gets one digest today. Returns how many were sent."""
    if not AssistantSettings.load().digest_enabled:
        return 0
    today = today or timezone.localdate()
    # Links in an e-mail must be absolute; production sets CRM_BASE_URL to its public address.
    base_url = settings.CRM_BASE_URL.rstrip("/")
    user_ids = set(Card.objects.visible().values_list("user_id", flat=True).distinct())
    for section in digest_sections.values():
        user_ids |= set(section.user_ids(today))
    already = set(DigestLog.objects.filter(date=today).values_list("user_id", flat=True))
    sent = 0
    User = get_user_model()
    for user in User.objects.filter(pk__in=sorted(user_ids), is_active=True) \
            .exclude(pk__in=already).order_by("pk").iterator(chunk_size=500):
        try:
            sent += send_digest(user, today=today, base_url=base_url)
        except Exception:  # one bad mailbox must not stop everyone else's digest
            logger.exception("assistant digest failed for user %s", user.pk)
    return sent
