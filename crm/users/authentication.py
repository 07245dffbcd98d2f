"""API authentication: `Authorization: Token <key>` with a personal token or DRF's own token."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .middleware import activate_user_language
from .models import ApiToken
from .services import api_token_touch


class TokenOrPersonalTokenAuthentication(TokenAuthentication):
    """DRF's `TokenAuthentication` (the key from `POST auth/token/`) plus personal tokens
    (`auth/tokens/`, keys starting with `ApiToken.KEY_PREFIX`, looked up by their SHA-256).

    A revoked, expired or unknown key, or one of an inactive user, is a 401."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and "HTTP_ACCEPT_LANGUAGE" not in request.META:
            # Error messages in the language the user chose on their profile page.
            activate_user_language(result[0], request)
        return result

    def authenticate_credentials(self, key):
        if not key.startswith(ApiToken.KEY_PREFIX):
            return super().authenticate_credentials(key)
        token = (ApiToken.objects.select_related("user")
                 .filter(key_hash=ApiToken.hash_key(key)).first())
        now = timezone.now()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("The token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        api_token_touch(token=token, now=now)
        return token.user, token
