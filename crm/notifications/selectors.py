"""Scoped reads: posts on records the user may read, the caller's notifications, followers and
the users who may read a record (mentions, autocomplete, fan-out)."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model, Prefetch, Q, QuerySet
from django.http import Http404

from crm.common.registries import record_types
from crm.common.visibility import readable_owner_ids

from .models import Follow, Notification, NotificationPreference, Post

User = get_user_model()


def record_owner_id(record_type: str, record: Model) -> Any:
    rt = record_types.get(record_type)
    return getattr(record, f"{rt.owner_field}_id", None)


def readers_q(record_type: str, record: Model) -> Q:
    """A filter on users: those who may read `record` (mirrors crm.common.visibility).

    Public records: everyone. Owned records: admins, the owner, the owner's team and every
    manager above the owner.
    """
    rt = record_types.get(record_type)
    if rt.visibility != "owned":
        return Q(pk__isnull=False)
    owner_id = getattr(record, f"{rt.owner_field}_id", None)
    q = Q(is_superuser=True) | Q(role="admin")
    if owner_id is None:
        return q
    managers = dict(User.objects.filter(manager__isnull=False).values_list("id", "manager_id"))
    chain, current = {owner_id}, owner_id
    while current in managers and managers[current] not in chain:
        current = managers[current]
        chain.add(current)
    q |= Q(pk=owner_id) | Q(pk__in=chain - {owner_id}, role="manager")
    team_id = User.objects.filter(pk=owner_id).values_list("team_id", flat=True).first()
    if team_id is not None:
        q |= Q(team_id=team_id)
    return q


def record_readers(*, record_type: str, record: Model) -> QuerySet[Any]:
    return User.objects.filter(readers_q(record_type, record), is_active=True)


def mention_candidates(*, record_type: str, record: Model, query: str,
                       limit: int = 8) -> QuerySet[Any]:
    """Users who may read the record whose username or name starts with `query`."""
    query = (query or "").strip().lstrip("@")[:50]
    qs = record_readers(record_type=record_type, record=record)
    if query:
        qs = qs.filter(Q(username__istartswith=query) | Q(first_name__istartswith=query)
                       | Q(last_name__istartswith=query))
    return qs.order_by("username").only("id", "username", "first_name", "last_name")[:limit]


def _readable_records_q(user: Any) -> Q:
    """Posts (record_type, record_id) on records `user` may read, as one filter."""
    owner_ids = readable_owner_ids(user)
    if owner_ids is None:
        return Q(record_type__in=record_types.names())
    q = Q()
    ids = list(owner_ids)
    for rt in record_types.all():
        if rt.visibility != "owned":
            q |= Q(record_type=rt.name)
        else:
            q |= Q(record_type=rt.name, record_id__in=rt.model._default_manager.filter(
                **{f"{rt.owner_field}_id__in": ids}).values("pk"))
    return q


def post_list(*, user: Any) -> QuerySet[Post]:
    """Posts on records `user` may read, with author, mentions and replies."""
    if not user.is_authenticated:
        return Post.objects.none()
    return (Post.objects.filter(_readable_records_q(user))
            .select_related("author", "parent")
            .prefetch_related(Prefetch("mentions", queryset=User.objects.only(
                "id", "username", "first_name", "last_name"))))


def post_get(*, user: Any, pk: Any) -> Post:
    post = post_list(user=user).filter(pk=pk).first()
    if post is None:
        raise Http404("No post matches the given query.")
    return post


def thread_posts(*, ids: Iterable[int]) -> dict[int, Post]:
    """Posts by id with their replies (oldest first) and authors: two queries."""
    replies = Post.objects.select_related("author").order_by("created_at", "id")
    return {p.pk: p for p in Post.objects.filter(pk__in=list(ids))
            .select_related("author").prefetch_related(Prefetch("replies", queryset=replies))}


def notification_list(*, user: Any) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).select_related("actor", "event")


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def follow_state(*, user: Any, record_type: str, record: Model) -> bool:
    row = Follow.objects.filter(user=user, record_type=record_type, record_id=record.pk).first()
    if row is not None:
        return row.active
    return bool(record_owner_id(record_type, record) == user.pk)


def follower_ids(*, record_type: str, record: Model) -> set[int]:
    """Who follows the record: explicit follows plus the owner unless they unfollowed."""
    rows = dict(Follow.objects.filter(record_type=record_type, record_id=record.pk)
                .values_list("user_id", "active"))
    ids = {uid for uid, active in rows.items() if active}
    owner_id = record_owner_id(record_type, record)
    if owner_id is not None and rows.get(owner_id, True):
        ids.add(owner_id)
    return ids


def email_delivery(user: Any) -> str:
    pref = NotificationPreference.objects.filter(user=user).values_list(
        "email_delivery", flat=True).first()
    return pref or "off"
