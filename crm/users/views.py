from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from crm.common.errors import DomainError

from .forms import ApiTokenForm, PreferencesForm
from .models import ApiToken
from .services import api_token_create, api_token_revoke, user_update_preferences

# The key of a token just created, kept in the session for exactly one page view.
NEW_TOKEN_SESSION_KEY = "users.new_api_token"


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
            api_tokens=ApiToken.objects.filter(user=user).active(),
            token_form=kwargs.get("token_form") or ApiTokenForm(),
            new_token=self.request.session.pop(NEW_TOKEN_SESSION_KEY, None),
            preferences_form=kwargs.get("preferences_form") or PreferencesForm(instance=user),
        )
        return ctx


class ApiTokenCreateView(LoginRequiredMixin, View):
    def post(self, request):
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, key = api_token_create(user=request.user, name=form.cleaned_data["name"],
                                              expires_at=form.expires_at())
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                request.session[NEW_TOKEN_SESSION_KEY] = {"name": token.name, "key": key}
                return redirect("profile")
        page = ProfileView()
        page.setup(request)
        return page.render_to_response(page.get_context_data(token_form=form), status=400)


class ApiTokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        token = ApiToken.objects.filter(user=request.user, pk=pk).active().first()
        if token is None:
            raise Http404
        api_token_revoke(token=token, actor=request.user)
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
        return redirect("profile")


class PreferencesView(LoginRequiredMixin, View):
    """Save the language and time zone; the page answering it is already in the new language."""

    def post(self, request):
        form = PreferencesForm(request.POST, instance=request.user)
        if form.is_valid():
            try:
                user = user_update_preferences(user=request.user,
                                               language=form.cleaned_data["language"],
                                               time_zone=form.cleaned_data["time_zone"])
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                language = user.language or translation.get_language_from_request(request)
                translation.activate(language)
                request.LANGUAGE_CODE = language
                messages.success(request, _("Preferences saved."))
                response = redirect("profile")
                if user.language:  # the login page speaks it too, next time
                    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language,
                                        max_age=settings.LANGUAGE_COOKIE_AGE,
                                        samesite="Lax", secure=request.is_secure())
                else:
                    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
                return response
        page = ProfileView()
        page.setup(request)
        return page.render_to_response(page.get_context_data(preferences_form=form), status=400)
