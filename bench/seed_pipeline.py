"""Seeders for the pipeline apps and activities, at the volumes of issue 11 (scale 1):
1,000,000 leads, 250,000 opportunities (+ lines, stage history), 100,000 quotes with 400,000
lines (20% of them revised), 50,000 orders, 50,000 invoices with payments, 3,000,000 activities
with their timeline entries (direct and rolled up to accounts/contacts), and the rollup fields.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import connection

from crm.common.models import DocumentSequence

CENT = Decimal("0.01")
STAGES = ["qualify", "develop", "propose", "close"]
PROB = {"qualify": 10, "develop": 30, "propose": 60, "close": 80}


def run(seeder) -> None:
    seed_leads(seeder)
    seed_opportunities(seeder)
    seed_quotes(seeder)
    seed_orders_invoices(seeder)
    seed_activities(seeder)


def _money(rng, low, high) -> Decimal:
    return (Decimal(rng.randrange(low * 100, high * 100)) / 100).quantize(CENT)


def seed_leads(s):
    from leads.models import Lead, LeadSource

    rng = s.rng
    sources = [(v, w) for v, w in zip(LeadSource.values, [10, 4, 4, 8, 2, 6, 8, 35, 6, 3, 4],
                                      strict=False)]
    statuses = [("new", 35), ("contacted", 25), ("qualified", 15), ("disqualified", 25)]
    reasons = ["lost", "cannot_contact", "no_longer_interested", "canceled"]
    from leads.models import company_key, email_domain, email_key, name_key, phone_key

    n = s.n(1_000_000)
    s.qualified_leads = []

    def lead(i, pk):
        first, last = rng.choice(s.first_names), rng.choice(s.last_names)
        company = f"{rng.choice(s.words)} {rng.choice(s.suffixes)} {pk % 50000}"
        status = _pick(rng, statuses)
        email = f"{first.lower()}.{last.lower()}.{pk}@lead{pk % 90000}.example"
        phone = f"+1 555 {pk % 1000:03d} {pk % 10000:04d}"
        created = s.ago(900)
        if status == "qualified":
            s.qualified_leads.append(pk)
        return {
            "topic": f"Interest in {rng.choice(['licences', 'support', 'onboarding', 'API'])}",
            "first_name": first, "last_name": last, "company": company, "email": email,
            "business_phone": phone, "source": _pick(rng, sources),
            "rating": rng.choice(["hot", "warm", "cold"]), "status": status,
            "status_reason": rng.choice(reasons) if status == "disqualified" else "",
            "owner_id": rng.choice(s.owners), "created_at": created, "updated_at": created,
            "estimated_value": _money(rng, 500, 80000), "name_key": name_key(first, last),
            "company_key": company_key(company), "email_key": email_key(email),
            "email_domain": email_domain(email), "phone_key": phone_key(phone),
            "city": rng.choice(s.cities)[0],
        }

    s.leads = s.load(Lead, n, lead)


def _pick(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def seed_opportunities(s):
    from opportunities.models import CloseRecord, Opportunity, OpportunityLine, StageChange

    rng = s.rng
    n = s.n(250_000)
    s.opp_meta = {}  # pk -> (account, contact, owner, status)
    contact_account = s.contact_account
    qualified = list(s.qualified_leads)

    def opp(i, pk):
        status = _pick(rng, [("open", 60), ("won", 25), ("lost", 15)])
        stage = _pick(rng, [("qualify", 20), ("develop", 35), ("propose", 30), ("close", 15)]) \
            if status == "open" else "close"
        contact = rng.choice(s.contacts)
        account = contact_account[contact]
        owner = rng.choice(s.owners)
        created = s.ago(720)
        revenue = _money(rng, 1000, 250000)
        close_date = (s.now + timedelta(days=rng.randint(-120, 240))).date()
        lead = qualified[i] if i < len(qualified) else None
        values = {
            "topic": f"{rng.choice(['Renewal', 'Expansion', 'New deal', 'Pilot'])} {pk}",
            "account_id": account, "contact_id": contact, "owner_id": owner,
            "status": status, "stage": stage, "estimated_revenue": revenue,
            "estimated_close_date": close_date, "probability": PROB[stage],
            "forecast_category": {"won": "won", "lost": "lost"}.get(status) or _pick(
                rng, [("pipeline", 50), ("best_case", 25), ("committed", 20), ("omitted", 5)]),
            "status_reason": {"open": "in_progress", "won": "won"}.get(status)
            or rng.choice(["canceled", "out_sold"]),
            "created_at": created, "updated_at": created,
            "stage_entered_at": created + timedelta(days=rng.randint(0, 60)),
            "revenue_source": "user", "originating_lead_id": lead,
            "price_list_id": s.price_list.pk, "customer_need": "Faster quoting",
        }
        if status != "open":
            values["actual_revenue"] = revenue if status == "won" else Decimal("0.00")
            values["actual_close_date"] = (created + timedelta(days=rng.randint(10, 200))).date()
        s.opp_meta[pk] = (account, contact, owner, status, revenue)
        return values

    s.opportunities = s.load(Opportunity, n, opp)
    if qualified:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE leads_lead l SET qualifying_opportunity_id = o.id FROM "
                "opportunities_opportunity o WHERE o.originating_lead_id = l.id"
            )
    opp_ids = s.opportunities
    line_plan = [(o, k) for o in opp_ids for k in range(rng.choice((1, 1, 2, 2, 3)))]

    def line(i, pk):
        opp_id, k = line_plan[i]
        qty = Decimal(rng.randint(1, 20))
        price = s.product_price[k % len(s.product_price)]
        amount = (qty * price).quantize(CENT)
        return {"opportunity_id": opp_id, "product_id": s.products[k % len(s.products)],
                "quantity": qty, "unit_price": price, "tax_rate": Decimal("8.00"),
                "amount": amount, "tax": (amount * Decimal("0.08")).quantize(CENT),
                "sort_order": k, "created_at": s.now}

    s.load(OpportunityLine, len(line_plan), line, "opportunities.OpportunityLine")
    history = []
    for o in opp_ids:
        steps = rng.randint(1, 3)
        for k in range(steps):
            history.append((o, STAGES[k], STAGES[k + 1]))

    def change(i, pk):
        o, frm, to = history[i]
        return {"opportunity_id": o, "from_stage": frm, "to_stage": to,
                "actor_id": s.opp_meta[o][2], "changed_at": s.ago(500),
                "time_in_previous_stage": timedelta(days=rng.randint(1, 60))}

    s.load(StageChange, len(history), change)
    closed = [o for o in opp_ids if s.opp_meta[o][3] != "open"]

    def close(i, pk):
        o = closed[i]
        won = s.opp_meta[o][3] == "won"
        return {"opportunity_id": o, "outcome": "won" if won else "lost",
                "status_reason": "won" if won else "out_sold",
                "actual_revenue": s.opp_meta[o][4] if won else Decimal("0.00"),
                "close_date": (s.now - timedelta(days=rng.randint(1, 300))).date(),
                "actor_id": s.opp_meta[o][2], "created_at": s.ago(300)}

    s.load(CloseRecord, len(closed), close)


def seed_quotes(s):
    from quotes.models import Quote, QuoteLine

    rng = s.rng
    n = s.n(100_000)
    opps = s.opportunities
    plan = []  # (opp, number, revision, status)
    number = 0
    won_opps = [o for o in opps if s.opp_meta[o][3] == "won"]
    while len(plan) < n:
        number += 1
        # about half the quotes belong to won deals, so there are enough orders to invoice
        opp = won_opps[number % len(won_opps)] if number % 2 and won_opps else \
            opps[(number * 7) % len(opps)]
        status_of_opp = s.opp_meta[opp][3]
        revisions = 2 if rng.random() < 0.2 else 1
        for rev in range(revisions):
            last = rev == revisions - 1
            if not last:
                status = "closed"
            elif status_of_opp == "won":
                status = "won"
            elif status_of_opp == "lost":
                status = "closed"
            else:
                status = rng.choice(["draft", "active", "active"])
            plan.append((opp, number, rev, status))
    plan = plan[:n]
    s.quote_meta = {}

    def quote(i, pk):
        opp, num, rev, status = plan[i]
        account, contact, owner, _, _ = s.opp_meta[opp]
        created = s.ago(400)
        reason = {"draft": "in_progress", "active": "in_progress", "won": "won"}.get(status)
        if status == "closed":
            reason = "revised" if rev == 0 and any(
                p[1] == num and p[2] == 1 for p in plan[i + 1:i + 2]) else "lost"
        s.quote_meta[pk] = (opp, account, contact, owner, status)
        return {"name": f"Quote for opportunity {opp}", "number": f"Q-{num:06d}",
                "revision": rev, "opportunity_id": opp, "account_id": account,
                "contact_id": contact, "price_list_id": s.price_list.pk, "status": status,
                "status_reason": reason, "owner_id": owner, "created_at": created,
                "updated_at": created, "valid_until": (created + timedelta(days=30)).date(),
                "payment_terms": "net_30"}

    s.quotes = s.load(Quote, len(plan), quote)
    DocumentSequence.objects.update_or_create(name="quote", defaults={"last_value": number})
    line_plan = [(q, k) for q in s.quotes for k in range(4)]
    totals: dict[int, list] = {}

    def line(i, pk):
        q, k = line_plan[i]
        qty = Decimal(rng.randint(1, 10))
        price = s.product_price[(q + k) % len(s.product_price)]
        amount = (qty * price).quantize(CENT)
        tax = (amount * Decimal("0.08")).quantize(CENT)
        t = totals.setdefault(q, [Decimal(0), Decimal(0)])
        t[0] += amount
        t[1] += tax
        prod = s.products[(q + k) % len(s.products)]
        return {"quote_id": q, "product_id": prod, "product_name": f"Product {prod}",
                "sku": f"P-{prod}", "unit": "each", "quantity": qty, "unit_price": price,
                "tax_rate": Decimal("8.000"), "amount": amount, "tax": tax, "sort_order": k,
                "created_at": s.now, "updated_at": s.now}

    s.load(QuoteLine, len(line_plan), line, "quotes.QuoteLine")
    _update_totals("quotes_quote", totals)
    s.quote_totals = totals


def _update_totals(table, totals):
    rows = [(pk, detail, tax, detail + tax) for pk, (detail, tax) in totals.items()]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE _tot (id bigint, d numeric, t numeric, g numeric)")
        import io

        from bench.copy import _cell

        buf = io.StringIO("".join("\t".join(_cell(v) for v in r) + "\n" for r in rows))
        cursor.cursor.copy_expert("COPY _tot FROM STDIN", buf)
        cursor.execute(f"UPDATE {table} x SET detail_amount = _tot.d, total_tax = _tot.t, "
                       f"total = _tot.g FROM _tot WHERE x.id = _tot.id")
        cursor.execute("DROP TABLE _tot")


def seed_orders_invoices(s):
    from invoices.models import Invoice, InvoiceLine, Order, OrderLine, Payment

    rng = s.rng
    won = [q for q, m in s.quote_meta.items() if m[4] == "won"]
    n = min(s.n(50_000), len(won))
    won = won[:n]

    def order(i, pk):
        q = won[i]
        opp, account, contact, owner, _ = s.quote_meta[q]
        detail, tax = s.quote_totals[q]
        day = (s.now - timedelta(days=rng.randint(1, 400))).date()
        return {"number": f"ORD-{day.year}-{pk:06d}", "name": f"Order for quote {q}",
                "status": rng.choice(["active", "fulfilled", "fulfilled"]), "quote_id": q,
                "opportunity_id": opp, "account_id": account, "contact_id": contact,
                "owner_id": owner, "ordered_on": day, "detail_amount": detail,
                "total_tax": tax, "total": detail + tax, "created_at": s.now,
                "updated_at": s.now, "payment_terms": "net_30"}

    s.orders = s.load(Order, n, order)
    order_of_quote = dict(zip(won, s.orders, strict=True))
    line_plan = [(order_of_quote[q], q, k) for q in won for k in range(4)]

    def oline(i, pk):
        o, q, k = line_plan[i]
        price = s.product_price[(q + k) % len(s.product_price)]
        qty = Decimal(2)
        amount = (qty * price).quantize(CENT)
        prod = s.products[(q + k) % len(s.products)]
        return {"order_id": o, "sequence": k, "product_id": prod,
                "product_name": f"Product {prod}", "quantity": qty, "unit_price": price,
                "amount": amount, "tax": (amount * Decimal("0.08")).quantize(CENT),
                "tax_rate": Decimal("8.000")}

    order_lines = s.load(OrderLine, len(line_plan), oline)
    # invoices: one per order
    today = s.now.date()
    inv_meta = {}

    def invoice(i, pk):
        o = s.orders[i]
        q = won[i]
        opp, account, contact, owner, _ = s.quote_meta[q]
        detail, tax = s.quote_totals[q]
        total = detail + tax
        issue = today - timedelta(days=rng.randint(0, 150))
        status = _pick(rng, [("active", 45), ("paid", 45), ("draft", 5), ("canceled", 5)])
        paid = total if status == "paid" else (
            (total / 2).quantize(CENT) if status == "active" and rng.random() < 0.3 else
            Decimal("0.00"))
        inv_meta[pk] = (paid, issue)
        return {"number": "" if status == "draft" else f"INV-{issue.year}-{pk:06d}",
                "name": f"Invoice for order {o}", "status": status,
                "status_reason": {"active": "partially_paid" if paid else "issued"}.get(
                    status, status if status != "draft" else "new"),
                "order_id": o, "opportunity_id": opp, "account_id": account,
                "contact_id": contact, "owner_id": owner,
                "issue_date": None if status == "draft" else issue,
                "due_date": None if status == "draft" else issue + timedelta(days=30),
                "paid_on": issue + timedelta(days=20) if status == "paid" else None,
                "amount_paid": paid, "detail_amount": detail, "total_tax": tax, "total": total,
                "created_at": s.now, "updated_at": s.now, "payment_terms": "net_30"}

    s.invoices = s.load(Invoice, n, invoice)

    def iline(i, pk):
        inv = s.invoices[i // 4]
        o, q, k = line_plan[i]
        price = s.product_price[(q + k) % len(s.product_price)]
        amount = (Decimal(2) * price).quantize(CENT)
        prod = s.products[(q + k) % len(s.products)]
        return {"invoice_id": inv, "order_line_id": order_lines[i], "sequence": k,
                "product_id": prod, "product_name": f"Product {prod}", "quantity": Decimal(2),
                "unit_price": price, "amount": amount,
                "tax": (amount * Decimal("0.08")).quantize(CENT), "tax_rate": Decimal("8.000")}

    s.load(InvoiceLine, len(line_plan), iline)
    payers = [(inv, m) for inv, m in inv_meta.items() if m[0] > 0]

    def payment(i, pk):
        inv, (paid, issue) = payers[i]
        return {"invoice_id": inv, "amount": paid, "date": issue + timedelta(days=10),
                "reference": f"WIRE-{pk}", "created_at": s.now, "updated_at": s.now}

    s.load(Payment, len(payers), payment)
    for year in {m[1].year for m in inv_meta.values()}:
        DocumentSequence.objects.update_or_create(
            name=f"INV-{year}", defaults={"last_value": max(s.invoices) + 1})
        DocumentSequence.objects.update_or_create(
            name=f"ORD-{year}", defaults={"last_value": max(s.orders) + 1})


def seed_activities(s):
    from crm.activities.models import Activity, TimelineEntry

    rng = s.rng
    n = s.n(3_000_000)
    kinds = [("task", 25), ("phone_call", 30), ("email", 25), ("appointment", 10), ("note", 10)]
    targets = [("account", 30), ("contact", 20), ("lead", 30), ("opportunity", 20)]
    plan = []

    def activity(i, pk):
        kind = _pick(rng, kinds)
        target = _pick(rng, targets)
        if target == "account":
            rid = rng.choice(s.accounts)
            owner = rng.choice(s.owners)
        elif target == "contact":
            rid = rng.choice(s.contacts)
            owner = rng.choice(s.owners)
        elif target == "lead":
            rid = rng.choice(s.leads)
            owner = rng.choice(s.owners)
        else:
            rid = rng.choice(s.opportunities)
            owner = s.opp_meta[rid][2]
        created = s.ago(700)
        state = "open" if kind in ("task", "appointment") and rng.random() < 0.3 else (
            "completed" if kind != "note" else "completed")
        plan.append((pk, target, rid, created, kind, state == "open", owner))
        values = {"kind": kind, "state": state, "subject": f"{kind.replace('_', ' ')} {pk}",
                  "owner_id": owner, f"{target}_id": rid, "created_at": created,
                  "updated_at": created, "timeline_synced": True, "priority": "normal"}
        if kind == "task":
            values["due_at"] = created + timedelta(days=rng.randint(1, 14))
        if kind == "appointment":
            values["starts_at"] = created + timedelta(days=rng.randint(1, 14))
            values["ends_at"] = values["starts_at"] + timedelta(hours=1)
        if state == "completed":
            values["completed_at"] = created + timedelta(hours=1)
        return values

    s.load(Activity, n, activity)
    opp_meta = s.opp_meta
    contact_account = s.contact_account

    def entries():
        for pk, target, rid, created, kind, is_open, owner in plan:
            src_owner = owner if target in ("lead", "opportunity") else None
            if target == "opportunity":
                src_owner = opp_meta[rid][2]
            tgt = [(target, rid)]
            if target == "contact" and contact_account.get(rid):
                tgt.append(("account", contact_account[rid]))
            elif target == "opportunity":
                acc, con = opp_meta[rid][0], opp_meta[rid][1]
                tgt += [("account", acc), ("contact", con)]
            for t, i in tgt:
                yield (t, i, created, kind, pk, target, rid, (t, i) != (target, rid), is_open,
                       owner, src_owner)

    rows = list(entries())

    def entry(i, pk):
        t, rid, created, kind, act, st, sid, rollup, is_open, owner, src_owner = rows[i]
        return {"record_type": t, "record_id": rid, "occurred_at": created, "kind": kind,
                "activity_id": act, "event_id": None, "source_type": st, "source_id": sid,
                "source_label": f"{st} {sid}", "is_rollup": rollup, "is_open": is_open,
                "activity_owner_id": owner, "source_owner_id": src_owner}

    s.load(TimelineEntry, len(rows), entry, "activities.TimelineEntry")
    from bench.copy import Timer

    with Timer("rollup fields (SQL)", s.report) as timer:
        with connection.cursor() as cursor:
            for record_type, table in (("account", "customers_account"),
                                       ("contact", "customers_contact"),
                                       ("lead", "leads_lead"),
                                       ("opportunity", "opportunities_opportunity")):
                cursor.execute(
                    f"UPDATE {table} x SET last_activity_at = t.mx, open_activity_count = t.n "
                    f"FROM (SELECT record_id, max(occurred_at) mx, "
                    f"count(*) FILTER (WHERE is_open) n FROM activities_timelineentry "
                    f"WHERE record_type = %s AND activity_id IS NOT NULL GROUP BY record_id) t "
                    f"WHERE x.id = t.record_id", [record_type])
    timer.done(0)
