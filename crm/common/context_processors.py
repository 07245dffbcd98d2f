from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

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


_resolved: dict[tuple, list[tuple[str, str, str]]] = {}


def _nav_urls() -> list[tuple[str, str, str]]:
    """(key, label, url) of the sections that resolve, once per URLconf and script prefix
    (twelve reverse() calls on every page were a fixed cost of each request)."""
    cache_key = (get_urlconf(), get_script_prefix())
    resolved = _resolved.get(cache_key)
    if resolved is None:
        resolved = []
        for key, label, url_name in NAV_ITEMS:
            try:
                resolved.append((key, label, reverse(url_name)))
            except NoReverseMatch:
                continue
        _resolved[cache_key] = resolved
    return resolved


def navigation(request):
    """The main navigation; a section appears once its app serves a page."""
    items = []
    path = request.path
    for key, label, url in _nav_urls():
        active = path.startswith(url) and (url != "/" or path == "/")
        if key == "dashboards" and path.startswith("/dashboards/"):
            active = True  # the other dashboards live under their own prefix
        items.append({"key": key, "label": label, "url": url, "active": active})
    return {"nav_items": items}
