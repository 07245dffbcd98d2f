"""Demo orders, invoices and payments: a receivables picture worth looking at.

Runs after the quotes demo. It uses the active quotes it finds (turning them into orders the way
a seller would) and, when there are too few, builds its own quotes for the demo accounts, so the
invoices pages and the aging report always have every case: paid, partially paid, overdue in
each bucket, draft and not yet invoiced.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from crm.activities.event_types import EventType

from . import services

# (days since the invoice was issued, share paid, fulfilled?)
SCENARIOS = [
    (12, Decimal("1"), True),  # paid in full
    (20, Decimal("0.5"), True),  # partially paid, current
    (45, Decimal("0"), True),  # 1-30 days overdue
    (75, Decimal("0.25"), True),  # 31-60 days overdue, partly paid
    (105, Decimal("0"), False),  # 61-90 days overdue
    (140, Decimal("0"), True),  # 90+ days overdue
    (3, Decimal("0"), False),  # issued this week
    (None, Decimal("0"), False),  # draft invoice, not issued yet
    (-1, Decimal("0"), False),  # order not invoiced yet
    # a year of paid invoices before that, so receivables and won quotes have a history
    (170, Decimal("1"), True),
    (205, Decimal("1"), True),
    (240, Decimal("1"), True),
    (270, Decimal("1"), True),
    (300, Decimal("1"), True),
    (330, Decimal("1"), True),
]


def _demo_quotes(ctx, needed: int) -> list:
    from quotes import services as quote_services
    from quotes.models import Quote

    quotes = list(Quote.objects.filter(status="active").select_related("owner")
                  .order_by("id")[:needed])
    rng = ctx["rng"]
    accounts = ctx["accounts"]
    products = ctx["products"]
    for index in range(len(quotes), needed):
        account = accounts[(index * 5 + 3) % len(accounts)]
        owner = account.owner
        quote = quote_services.quote_create(
            actor=owner, name=f"{account.name} – renewal {2026}", account=account,
            freight_amount=Decimal("25.00") if index % 3 == 0 else Decimal("0.00"),
            payment_terms=["net_30", "net_45", "net_30", "net_60"][index % 4],
        )
        for product in rng.sample(products, 2 + index % 3):
            quote_services.quote_add_line(quote=quote, actor=owner, product=product,
                                          quantity=rng.choice([1, 2, 5, 10]))
        quotes.append(quote_services.quote_activate(quote=quote, actor=owner))
    return quotes


def seed(ctx) -> None:
    from quotes.models import Quote

    today = timezone.localdate()
    quotes = _demo_quotes(ctx, len(SCENARIOS))
    orders, drafts = [], []
    for quote, scenario in zip(quotes, SCENARIOS, strict=False):
        quote = Quote.objects.get(pk=quote.pk)
        if quote.status != "active":  # closed when another quote won its opportunity
            continue
        actor = quote.owner
        order = services.order_create_from_quote(quote=quote, actor=actor)
        orders.append(order)
        days_ago, share_paid, fulfilled = scenario
        if fulfilled:
            order = services.order_fulfill(order=order, actor=actor)
        if days_ago is None or days_ago >= 0:
            invoice = services.invoice_create_from_order(order=order, actor=actor)
            drafts.append((invoice, days_ago, share_paid))
    # Issue the oldest first, so invoice numbers follow the issue dates.
    invoices = []
    for invoice, days_ago, share_paid in sorted(
            drafts, key=lambda d: -1 if d[1] is None else d[1], reverse=True):
        if days_ago is not None:
            actor = invoice.owner
            issue_date = today - timedelta(days=days_ago)
            invoice = services.invoice_issue(invoice=invoice, actor=actor, issue_date=issue_date)
            amount = (invoice.total * share_paid).quantize(Decimal("0.01"))
            if amount > 0:
                services.invoice_record_payment(
                    invoice=invoice, amount=amount, actor=actor,
                    date=min(today, issue_date + timedelta(days=10)),
                    reference=f"Bank transfer {invoice.number}",
                )
        invoices.append(invoice)
        if days_ago is not None:
            _backdate(invoice, issue_date)
    services.invoices_record_overdue(today=today)
    ctx["orders"] = orders
    ctx["invoices"] = invoices


def _backdate(invoice, issue_date) -> None:
    """Demo only: the quote, order and invoice behind an invoice issued `issue_date` were made
    in the days before it, not today (the services stamp everything with now)."""
    from datetime import datetime, time

    from crm.activities.models import Event
    from quotes.models import Quote

    from .models import Invoice, Order, Payment

    def moment(day):
        return timezone.make_aware(datetime.combine(day, time(10, 0)))

    order = Order.objects.get(pk=invoice.order_id)
    ordered_on = issue_date - timedelta(days=4)
    quoted_on = ordered_on - timedelta(days=12)
    stamps = [("invoice", invoice.pk, moment(issue_date)), ("order", order.pk, moment(ordered_on))]
    Invoice.objects.filter(pk=invoice.pk).update(created_at=moment(issue_date - timedelta(days=1)))
    Order.objects.filter(pk=order.pk).update(created_at=moment(ordered_on), ordered_on=ordered_on)
    Order.objects.filter(pk=order.pk, fulfilled_on__isnull=False).update(
        fulfilled_on=issue_date - timedelta(days=2))
    if order.quote_id:
        Quote.objects.filter(pk=order.quote_id).update(created_at=moment(quoted_on))
        stamps.append(("quote", order.quote_id, moment(quoted_on)))
    for record_type, record_id, at in stamps:
        Event.objects.filter(record_type=record_type, record_id=record_id).update(
            occurred_at=at)
    for payment in Payment.objects.filter(invoice_id=invoice.pk):
        Payment.objects.filter(pk=payment.pk).update(created_at=moment(payment.date))
        Event.objects.filter(record_type="invoice", record_id=invoice.pk,
                             action__in=[EventType.PAYMENT_RECORDED, EventType.PAID]).update(
            occurred_at=moment(payment.date))
    if order.opportunity_id:  # the order won its opportunity: on the order date
        from opportunities.models import CloseRecord, Opportunity

        won = Opportunity.objects.filter(pk=order.opportunity_id, status="won")
        if won.update(actual_close_date=ordered_on):
            won.filter(created_at__gt=moment(quoted_on)).update(
                created_at=moment(quoted_on - timedelta(days=20)))
            CloseRecord.objects.filter(opportunity_id=order.opportunity_id).update(
                close_date=ordered_on, created_at=moment(ordered_on))
            Event.objects.filter(record_type="opportunity", record_id=order.opportunity_id,
                                 action=EventType.WON).update(occurred_at=moment(ordered_on))
