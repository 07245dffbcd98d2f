from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from crm.customers.selectors import account_list, contact_list


class HomeView(LoginRequiredMixin, TemplateView):
    """The start page. The dashboards app replaces its content with the seller dashboard."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(
            my_accounts=account_list(user=user).filter(owner=user).order_by("-updated_at")[:8],
            my_contacts=contact_list(user=user).filter(owner=user).order_by("-updated_at")[:8],
        )
        return ctx


class ProfileView(LoginRequiredMixin, TemplateView):
    template_name = "users/profile.html"

    def get_context_data(self, **kwargs):
        from rest_framework.authtoken.models import Token

        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(
            reports=user.reports.order_by("first_name"),
            teammates=user.team.members.exclude(pk=user.pk) if user.team_id else [],
            has_token=Token.objects.filter(user=user).exists(),
        )
        return ctx
