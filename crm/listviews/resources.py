"""The lists that have views: their list page (by dotted path: the core never imports a
pipeline app) and their system views.

A system view is a set of the list's own query parameters (the filter bar's names, `sort`,
`view` where the page has one), computed for the viewer when the menu is drawn: "closing this
quarter" means this quarter of today. Links to a list with filter parameters, e.g. a chart's
drill-down, use the same names.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class SystemView:
    key: str
    label: str
    params: Callable  # user -> {name: value}


@dataclass(frozen=True)
class Resource:
    name: str
    label: str
    view_path: str  # the ListPageView subclass
    url_name: str
    system_views: tuple[SystemView, ...] = ()

    @property
    def view_class(self):
        return import_string(self.view_path)

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def system_view(self, key: str) -> SystemView | None:
        return next((v for v in self.system_views if v.key == key), None)


def quarter_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_month = (today.month - 1) // 3 * 3 + 1
    start = today.replace(month=first_month, day=1)
    end_month = first_month + 2
    end = (datetime.date(today.year + 1, 1, 1) if end_month == 12
           else datetime.date(today.year, end_month + 1, 1)) - datetime.timedelta(days=1)
    return start, end


def _closing_this_quarter(user) -> dict:
    start, end = quarter_bounds(timezone.localdate())
    return {"status": "open", "close_after": start.isoformat(),
            "close_before": end.isoformat(), "sort": "close"}


def _fixed(**params) -> Callable:
    return lambda user: dict(params)


def _mine(**params) -> Callable:
    return lambda user: {"owner": str(user.pk), **params}


RESOURCES: dict[str, Resource] = {r.name: r for r in (
    Resource("leads", _("Leads"), "leads.views.LeadListView", "lead-list", (
        SystemView("my_open", _("My open leads"), _fixed(view="my_open")),
        SystemView("team_open", _("My team's open leads"), _fixed(view="team_open")),
        SystemView("open", _("All open leads"), _fixed(view="open")),
        SystemView("closed", _("Closed leads"), _fixed(view="closed")),
        SystemView("all", _("All leads"), _fixed(view="all")),
    )),
    Resource("accounts", _("Accounts"), "crm.customers.views.AccountListView", "account-list", (
        SystemView("all", _("All accounts"), _fixed(sort="name")),
        SystemView("mine", _("My accounts"), _mine(sort="name")),
        SystemView("recent", _("Recently created accounts"), _fixed(sort="-created")),
    )),
    Resource("contacts", _("Contacts"), "crm.customers.views.ContactListView", "contact-list", (
        SystemView("all", _("All contacts"), _fixed(sort="name")),
        SystemView("mine", _("My contacts"), _mine(sort="name")),
        SystemView("recent", _("Recently created contacts"), _fixed(sort="-created")),
    )),
    Resource("opportunities", _("Opportunities"), "opportunities.views.OpportunityListView",
             "opportunity-list", (
        SystemView("my_open", _("My open opportunities"), _mine(status="open", sort="close")),
        SystemView("closing_this_quarter", _("Open opportunities closing this quarter"),
                   _closing_this_quarter),
        SystemView("open", _("All open opportunities"), _fixed(status="open", sort="close")),
        SystemView("won", _("Won opportunities"), _fixed(status="won", sort="-close")),
        SystemView("all", _("All opportunities"), _fixed(sort="close")),
    )),
    Resource("quotes", _("Quotes"), "quotes.views.QuoteListView", "quote-list", (
        SystemView("active", _("Active quotes"), _fixed(status="active", sort="-created")),
        SystemView("expiring", _("Quotes expiring soon"), _fixed(expiring="true",
                                                                  sort="valid_until")),
        SystemView("mine", _("My quotes"), _mine(sort="-created")),
        SystemView("all", _("All quotes"), _fixed(sort="-created")),
    )),
    Resource("orders", _("Orders"), "invoices.views.OrderListView", "order-list", (
        SystemView("active", _("Active orders"), _fixed(status="active", sort="-created")),
        SystemView("mine", _("My orders"), _mine(sort="-created")),
        SystemView("all", _("All orders"), _fixed(sort="-created")),
    )),
    Resource("invoices", _("Invoices"), "invoices.views.InvoiceListView", "invoice-list", (
        SystemView("overdue", _("Overdue invoices"), _fixed(overdue="true", sort="due")),
        SystemView("open", _("Open invoices"), _fixed(status="active", sort="due")),
        SystemView("all", _("All invoices"), _fixed(sort="-created")),
    )),
    Resource("activities", _("Activities"), "crm.activities.views.ActivityListView",
             "activity-list", (
        SystemView("open", _("My open activities"), _fixed(view="open")),
        SystemView("today", _("Due today"), _fixed(view="today")),
        SystemView("overdue", _("Overdue"), _fixed(view="overdue")),
        SystemView("week", _("This week"), _fixed(view="week")),
        SystemView("completed", _("Completed"), _fixed(view="completed")),
        SystemView("all", _("All"), _fixed(view="all")),
    )),
)}

RESOURCE_CHOICES = [(name, r.label) for name, r in RESOURCES.items()]


def get_resource(name: str) -> Resource | None:
    return RESOURCES.get(name)
