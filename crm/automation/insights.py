"""The admin's home: failing or disabled webhooks, and links to the automation settings."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.insights.admin_home import (
    BAD,
    OK,
    AdminLink,
    AdminStatus,
    StatusLine,
    register_admin_link,
    register_admin_status,
)

from .models import Webhook


def _webhooks_line() -> StatusLine | None:
    from django.db.models import Q


    bad = list(Webhook.objects.filter(Q(failing_since__isnull=False) | Q(disabled_at__isnull=False))
               .order_by("id")[:20])
    items = [(f"{w.url} · " + (_("disabled") if w.disabled_at else _("failing")),
              w.get_absolute_url()) for w in bad]
    return StatusLine(_("Webhooks failing or disabled"), str(len(bad)),
                      state=OK if not bad else BAD, url=reverse("webhook-list"), items=items)


register_admin_status(AdminStatus("webhooks", _webhooks_line, order=45))
register_admin_link(AdminLink("webhooks", gettext_lazy("Webhooks"), "webhook-list", 50))
register_admin_link(AdminLink("automation", gettext_lazy("Automation rules"),
                              "automation-rule-list", 51))
