from django.urls import NoReverseMatch, reverse

NAV_ITEMS = [
    ("dashboards", "Dashboards", "home"),
    ("leads", "Leads", "lead-list"),
    ("opportunities", "Opportunities", "opportunity-list"),
    ("forecasts", "Forecast", "forecast-grid"),
    ("quotes", "Quotes", "quote-list"),
    ("orders", "Orders", "order-list"),
    ("invoices", "Invoices", "invoice-list"),
    ("accounts", "Accounts", "account-list"),
    ("contacts", "Contacts", "contact-list"),
    ("products", "Products", "product-list"),
    ("activities", "Activities", "activity-list"),
    ("email", "Email", "mailbox-list"),
]


def navigation(request):
    """The main navigation; a section appears once its app serves a page."""
    items = []
    path = request.path
    for key, label, url_name in NAV_ITEMS:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        active = path.startswith(url) and (url != "/" or path == "/")
        if key == "dashboards" and path.startswith("/dashboards/"):
            active = True  # the other dashboards live under their own prefix
        items.append({"key": key, "label": label, "url": url, "active": active})
    return {"nav_items": items}
