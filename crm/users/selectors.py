from django.db.models import QuerySet

from .models import ApiToken, Team, User


def user_directory() -> QuerySet[User]:
    return User.objects.filter(is_active=True).select_related("team", "manager").order_by("id")


def team_list() -> QuerySet[Team]:
    return Team.objects.order_by("id")


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """Active personal API tokens `user` may see: their own; admins everyone's."""
    qs = ApiToken.objects.active().select_related("user")
    if not getattr(user, "is_admin_role", False):
        qs = qs.filter(user=user)
    return qs
