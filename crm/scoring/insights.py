"""The admin's home: scoring's state and a link to its settings page."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.insights.admin_home import (
    OK,
    WARN,
    AdminLink,
    AdminStatus,
    StatusLine,
    register_admin_link,
    register_admin_status,
)

from .models import ScoringModel
from .selectors import scoring_enabled


def _scoring_line() -> StatusLine | None:
    if not scoring_enabled():
        return StatusLine(_("Scoring"), _("off"), state=WARN, url=reverse("scoring-admin"))
    active = list(ScoringModel.objects.filter(active=True).order_by("kind"))
    if not active:
        return StatusLine(_("Scoring"), _("not enough history yet"), state=WARN,
                          url=reverse("scoring-admin"))
    value = ", ".join(f"{m.get_kind_display()} v{m.version}" for m in active)
    return StatusLine(_("Scoring models"), value, state=OK, url=reverse("scoring-admin"),
                      at=max(m.trained_at for m in active))


register_admin_status(AdminStatus("scoring", _scoring_line, order=60))
register_admin_link(AdminLink("scoring", gettext_lazy("Lead and opportunity scoring"),
                              "scoring-admin", 60))
