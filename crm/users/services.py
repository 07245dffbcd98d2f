"""Writes for users: personal API tokens."""

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.common.errors import BusinessRuleViolation

from .models import ApiToken, User

# `last_used_at` is a hint, not an audit log: write it at most once per interval per token, so
# an API client making many requests does not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_ACTIVE_TOKENS_PER_USER = 50


@transaction.atomic
def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a named personal token for `user`; return it with its key (shown once, only its
    hash is kept). Refuses an empty name, an expiry in the past, and more than
    MAX_ACTIVE_TOKENS_PER_USER active tokens."""
    name = (name or "").strip()
    if not name:
        raise BusinessRuleViolation(_("Give the token a name."),
                                    fields={"name": [_("This field is required.")]})
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise BusinessRuleViolation(_("The expiry must be in the future."),
                                    fields={"expires_at": [_("The expiry must be in the future.")]})
    # Lock the user's row so two concurrent creations cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user).active(now).count() >= MAX_ACTIVE_TOKENS_PER_USER:
        raise BusinessRuleViolation(
            _("You have %(n)d active tokens; revoke one first.") % {"n": MAX_ACTIVE_TOKENS_PER_USER}
        )
    secret = secrets.token_urlsafe(32)
    key = ApiToken.KEY_PREFIX + secret
    token = ApiToken.objects.create(
        user=user, name=name[:100], key_hash=ApiToken.hash_key(key), key_start=secret[:6],
        expires_at=expires_at,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke `token` (its owner or an admin may; the caller checks visibility). Revoking a
    revoked token changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=token.revoked_at
        )
    return token


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that `token` was just used, at most once per LAST_USED_RESOLUTION: the conditional
    UPDATE makes concurrent requests write once, and a recent value skips the query entirely."""
    now = now or timezone.now()
    threshold = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > threshold:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=threshold)
    ).update(last_used_at=now)
    token.last_used_at = now


def user_update_preferences(*, user: User, language: str, time_zone: str) -> User:
    """Store the user's language ("" = the browser's) and time zone ("" = the server's)."""
    import zoneinfo

    from django.conf import settings

    if language and language not in dict(settings.LANGUAGES):
        raise BusinessRuleViolation(_("Unknown language."),
                                    fields={"language": [_("Unknown language.")]})
    if time_zone:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise BusinessRuleViolation(_("Unknown time zone."),
                                        fields={"time_zone": [_("Unknown time zone.")]}) from None
    user.language, user.time_zone = language, time_zone
    user.save(update_fields=["language", "time_zone"])
    return user
