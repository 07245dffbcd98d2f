"""The dashboards the product ships: the seller's home page and the manager dashboard.

They name widgets that the apps register in their `insights.py`; a widget whose app is not
installed is simply left out."""

from django.utils.translation import gettext_lazy as _

from .registry import Dashboard, register_dashboard

SELLER = register_dashboard(Dashboard(
    name="seller",
    title=_("My dashboard"),
    description=_("Your open leads and pipeline, what is due, and your won revenue against "
                  "quota."),
    widgets=(
        "forecasting.won_vs_quota",
        "leads.open_by_status",
        "opportunities.pipeline",
        "activities.due",
    ),
    default_scope="mine",
    default_period="this_quarter",
    extra_panels=("assistant/_home_panel.html",),
))

MANAGER = register_dashboard(Dashboard(
    name="manager",
    title=_("Sales manager dashboard"),
    description=_("Pipeline, conversion, wins and losses, revenue and receivables of the "
                  "people you can see."),
    widgets=(
        "opportunities.win_rate",
        "opportunities.pipeline",
        "leads.by_source",
        "opportunities.won_lost_by_owner",
        "opportunities.revenue_by_month",
        "opportunities.top_open",
        "opportunities.time_in_stage",
        "quotes.by_status",
        "invoices.aging",
        "forecasting.won_vs_quota",
    ),
    default_scope="team",
    default_period="this_year",
))
