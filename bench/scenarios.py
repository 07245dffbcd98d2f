"""What the load scenarios request: (name, url name or path, args, query, who, group[, method,
body]). `who` is "seller" (session), "manager" (session) or "api" (token)."""

from django.db import connection


def _first_id(table: str, where: str = "") -> int | None:
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"SELECT id FROM {table} {where} ORDER BY id LIMIT 1")
        except Exception:
            return None
        row = cursor.fetchone()
    return row[0] if row else None


def specs(*, seller, manager):
    account = _first_id("customers_account", f"WHERE owner_id = {seller.pk}") or 1
    contact = _first_id("customers_contact") or 1
    out = [
        # seller mix
        ("account list", "account-list", [], "", "seller", "seller"),
        ("account list, search", "account-list", [], "?q=global", "seller", "seller"),
        ("account detail", "account-detail", [account], "", "seller", "seller"),
        ("contact list", "contact-list", [], "", "seller", "seller"),
        ("contact detail", "contact-detail", [contact], "", "seller", "seller"),
        # integrator mix
        ("API accounts list", "api:account-list", [], "", "api", "integrator"),
        ("API contacts list", "api:contact-list", [], "", "api", "integrator"),
    ]
    out += _pipeline_specs(seller=seller, manager=manager)
    return out


def _pipeline_specs(*, seller, manager):
    lead = _first_id("leads_lead", f"WHERE owner_id = {seller.pk}")
    opp = _first_id("opportunities_opportunity", f"WHERE owner_id = {seller.pk}")
    quote = _first_id("quotes_quote", f"WHERE owner_id = {seller.pk}")
    invoice = _first_id("invoices_invoice", f"WHERE owner_id = {seller.pk}")
    out = [
        ("lead list", "lead-list", [], "", "seller", "seller"),
        ("lead list, filtered", "lead-list", [], "?status=new&sort=-created", "seller", "seller"),
        ("opportunity list", "opportunity-list", [], "", "seller", "seller"),
        ("opportunity board", "opportunity-board", [], "", "seller", "seller"),
        # the board's lanes load after its first paint (one request per lane)
        ("opportunity board lane", "opportunity-board-lane", ["develop"], "", "seller",
         "seller"),
        ("quote list", "quote-list", [], "", "seller", "seller"),
        ("invoice list", "invoice-list", [], "", "seller", "seller"),
        ("my activities", "activity-list", [], "", "seller", "seller"),
        ("API leads list", "api:lead-list", [], "", "api", "integrator"),
        ("API opportunities list", "api:opportunity-list", [], "", "api", "integrator"),
        ("API activities list", "api:activity-list", [], "", "api", "integrator"),
        ("API invoices list", "api:invoice-list", [], "", "api", "integrator"),
        ("seller dashboard (home)", "home", [], "", "seller", "manager"),
    ]
    if lead:
        out.append(("lead detail with timeline", "lead-detail", [lead], "", "seller", "seller"))
    if opp:
        out.append(("opportunity detail", "opportunity-detail", [opp], "", "seller", "seller"))
        # record pages load their panels after the first paint: the timeline is the largest
        out.append(("opportunity timeline panel", "record-panel",
                    ["opportunity", opp, "timeline"], "", "seller", "seller"))
    if quote:
        out.append(("quote detail", "quote-detail", [quote], "", "seller", "seller"))
    if invoice:
        out.append(("invoice detail", "invoice-detail", [invoice], "", "seller", "seller"))
    out += [
        ("manager dashboard", "dashboard-detail", ["manager"], "", "manager", "manager"),
        ("forecast grid", "forecast-grid", [], "", "manager", "manager"),
        ("API dashboard data (manager)", "api:api-dashboard", ["manager"], "", "manager",
         "manager"),
    ]
    # writes through the API (integrator mix): each request creates a new record
    out.append(("API create lead", "api:lead-list", [], "", "api", "integrator", "POST",
                lambda i: {"topic": f"Bench lead {i}", "last_name": f"Load{i}",
                           "company": f"Bench Co {i}", "email": f"bench{i}@load.example"}))
    if lead:
        out.append(("API log activity on a lead", "api:activity-list", [], "", "api",
                    "integrator", "POST",
                    lambda i: {"kind": "phone_call", "subject": f"Call {i}",
                               "regarding_type": "lead", "regarding_id": lead,
                               "state": "completed"}))
    return out
