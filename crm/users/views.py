from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


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
