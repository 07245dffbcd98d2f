"""Assistant rule about quotes: an active quote whose validity ends within 7 days."""

from datetime import timedelta

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.assistant.helpers import date_crossed, day_start, fmt_date, plural
from crm.assistant.models import Priority
from crm.assistant.registry import CardSpec, Rule, register_rule
from crm.assistant.signals import refresh_receiver
from crm.common.formatting import format_money

from .models import Quote

RECORD_TYPE = "quote"
MODEL = "quotes.Quote"


def _expiring(ctx):
    return Quote.objects.expiring(today=ctx.today, within_days=ctx.settings.quote_expiry_days)


def _build_expiring(ctx, quote):
    days = (quote.valid_until - ctx.today).days
    when = _("today") if days == 0 else _("in %(days)s") % {"days": plural(days, _("day"))}
    return CardSpec(
        user_id=quote.owner_id, due_date=quote.valid_until,
        priority=Priority.HIGH if days <= 1 else Priority.NORMAL,
        title=_("Quote expiring: %(quote)s") % {"quote": quote},
        body=_("Quote %(quote)s for %(total)s is valid until %(date)s, expiring %(when)s. "
               "Follow up or revise it.") % {
            "quote": quote, "total": format_money(quote.total, quote.currency),
            "date": fmt_date(quote.valid_until), "when": when},
        valid_until=day_start(quote.valid_until + timedelta(days=1)),
    )


register_rule(Rule(
    kind="quote_expiring", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("Quote expiring"), queryset=_expiring, build=_build_expiring,
    boundary=lambda ctx, since, now: date_crossed(
        "valid_until", since, now, offset_days=-ctx.settings.quote_expiry_days),
))

post_save.connect(refresh_receiver(RECORD_TYPE), sender=Quote, dispatch_uid="assistant_quote_saved",
                  weak=False)
post_delete.connect(refresh_receiver(RECORD_TYPE), sender=Quote,
                    dispatch_uid="assistant_quote_deleted", weak=False)
