"""Email for opportunities: the "competitor named in an inbound message" assistant card.

Competitors are those recorded on close records plus the admin's list (MailSettings).
"""

import re
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.assistant.helpers import local_date
from crm.assistant.models import Priority
from crm.assistant.registry import CardSpec, Rule, register_rule
from crm.mail.models import EmailDirection, EmailMessage, MailSettings

from .models import CloseRecord, Status

WINDOW_DAYS = 30


def competitor_names() -> list[str]:
    names = {n.strip() for n in CloseRecord.objects.exclude(competitor="")
             .values_list("competitor", flat=True).distinct()[:500] if len(n.strip()) >= 3}
    names.update(n for n in MailSettings.load().competitor_names() if len(n) >= 2)
    return sorted(names, key=str.lower)


def _pattern(names: list[str]) -> str:
    alternatives = "|".join(re.escape(n) for n in names)
    if connection.vendor == "postgresql":
        return rf"\m({alternatives})\M"
    return rf"\b({alternatives})\b"


def _mentions(ctx):
    names = competitor_names()
    if not names:
        return EmailMessage.objects.none()
    return (EmailMessage.objects.select_related("activity__opportunity")
            .filter(direction=EmailDirection.INCOMING,
                    activity__opportunity__status=Status.OPEN,
                    sent_at__gte=(ctx.now if ctx else timezone.now())
                    - timedelta(days=WINDOW_DAYS))
            .filter(text__iregex=_pattern(names)))


def _build(ctx, message):
    found = re.search(r"\b(" + "|".join(re.escape(n) for n in competitor_names()) + r")\b",
                      message.text or "", re.IGNORECASE)
    opportunity = message.activity.opportunity
    return CardSpec(
        user_id=opportunity.owner_id, due_date=local_date(message.sent_at),
        priority=Priority.HIGH,
        title=_("Competitor named: %(name)s") % {"name": found.group(0) if found else "?"},
        body=_("%(sender)s mentions %(name)s on %(opportunity)s.") % {
            "sender": message.from_name or message.from_address,
            "name": found.group(0) if found else "?", "opportunity": opportunity},
    )


register_rule(Rule(
    kind="email_competitor", record_type="email", model_label="mail.EmailMessage",
    label=gettext_lazy("Competitor named in an email"), queryset=_mentions, build=_build,
))
