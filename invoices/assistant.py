"""Assistant rule about invoices: overdue (active, balance left, due date passed)."""

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.assistant.helpers import date_crossed, fmt_date, plural
from crm.assistant.models import Priority
from crm.assistant.registry import CardSpec, Rule, register_rule
from crm.assistant.signals import refresh_receiver
from crm.common.formatting import format_money

from .models import Invoice

RECORD_TYPE = "invoice"
MODEL = "invoices.Invoice"


def _overdue(ctx):
    return Invoice.objects.overdue(ctx.today).select_related("account", "contact")


def _build_overdue(ctx, invoice):
    days = (ctx.today - invoice.due_date).days
    customer = invoice.customer_name
    return CardSpec(
        user_id=invoice.owner_id, due_date=invoice.due_date,
        priority=Priority.HIGH,
        title=_("Invoice overdue: %(invoice)s") % {"invoice": invoice.display_number},
        body=_("%(invoice)s%(customer)s was due %(date)s, %(days)s ago; %(balance)s of "
               "%(total)s is still open.") % {
            "invoice": invoice.display_number,
            "customer": _(" (%(name)s)") % {"name": customer} if customer else "",
            "date": fmt_date(invoice.due_date), "days": plural(days, _("day")),
            "balance": format_money(invoice.balance, invoice.currency),
            "total": format_money(invoice.total, invoice.currency)},
    )


register_rule(Rule(
    kind="invoice_overdue", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("Invoice overdue"), queryset=_overdue, build=_build_overdue,
    boundary=lambda ctx, since, now: date_crossed("due_date", since, now, offset_days=1),
))

post_save.connect(refresh_receiver(RECORD_TYPE), sender=Invoice,
                  dispatch_uid="assistant_invoice_saved", weak=False)
post_delete.connect(refresh_receiver(RECORD_TYPE), sender=Invoice,
                    dispatch_uid="assistant_invoice_deleted", weak=False)
