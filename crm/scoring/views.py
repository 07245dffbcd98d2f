"""The scoring settings page (admins): each model version's figures, the active model's
reliability curve, the on/off switch and a "retrain now" button."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from crm.common.queue import publish
from crm.common.visibility import is_admin

from . import services
from .registry import specs
from .selectors import min_per_outcome, model_versions, scoring_enabled
from .tasks import retrain


class ScoringAdminOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (is_admin(user) or user.is_staff):
            raise PermissionDenied(_("Only admins can manage scoring."))
        return super().dispatch(request, *args, **kwargs)


def _chart(model) -> dict:
    points = [{"x": round(b["predicted"], 4), "y": round(b["observed"], 4), "n": b["count"]}
              for b in model.reliability if b.get("count")]
    return {"points": points, "label": _("Observed rate"), "ideal": _("Perfect calibration"),
            "x": _("Predicted probability"), "y": _("Observed rate")}


class ScoringAdminView(ScoringAdminOnlyMixin, View):
    def get(self, request):
        sections = []
        for kind in sorted(specs):
            spec = specs[kind]
            versions = model_versions(kind)
            active = next((m for m in versions if m.active), None)
            sections.append({
                "kind": kind,
                "title": _("Lead scoring") if kind == "lead" else _("Opportunity scoring"),
                "positive": spec.outcome_words[0], "negative": spec.outcome_words[1],
                "versions": versions, "active": active,
                "chart": _chart(active) if active else None,
                "chart_id": f"reliability-{kind}",
            })
        return render(request, "scoring/admin.html", {
            "sections": sections, "enabled": scoring_enabled(),
            "min_per_outcome": min_per_outcome(),
        })

    def post(self, request):
        action = request.POST.get("action")
        if action == "switch":
            enabled = request.POST.get("enabled") == "on"
            services.scoring_switch_set(enabled=enabled, actor=request.user)
            messages.success(request, _("Scoring is on.") if enabled else
                             _("Scoring is off: pages and the API no longer show scores."))
        elif action == "retrain":
            publish(retrain)
            messages.success(request, _("Retraining started; new figures appear here when it "
                                        "is done."))
        return redirect("scoring-admin")
