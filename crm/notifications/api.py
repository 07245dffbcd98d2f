"""`posts/` and `notifications/` (API.md)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.activities.selectors import record_get
from crm.common.api import ScopedViewSetMixin
from crm.common.registries import record_types
from crm.common.visibility import PUBLIC

from . import selectors, services
from .filters import NotificationFilter, PostFilter
from .models import POST_BODY_MAX, Notification, Post


class PostSerializer(serializers.ModelSerializer):
    regarding_type = serializers.ChoiceField(choices=[], source="record_type")
    regarding_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1,
                                            source="record_id")
    body = serializers.CharField(max_length=POST_BODY_MAX, trim_whitespace=True,
                                 help_text="Text with `@username` mentions of users who may "
                                           "read the record.")
    parent = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False,
                                      allow_null=True, source="parent_id",
                                      help_text="Reply to this post (replies are one level "
                                                "deep).")
    author = serializers.IntegerField(source="author_id", read_only=True)
    author_username = serializers.CharField(source="author.username", read_only=True)
    mentions = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "regarding_type", "regarding_id", "body", "parent", "author",
                  "author_username", "mentions", "edited_at", "version", "created_at",
                  "updated_at"]
        read_only_fields = ["edited_at", "version", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        fields["regarding_type"].choices = record_types.names()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            for name in ("regarding_type", "regarding_id", "parent"):
                fields[name].read_only = True
        return fields

    def get_mentions(self, obj) -> list[str]:
        return [u.username for u in obj.mentions.all()]

    def create(self, validated_data):
        request = self.context["request"]
        try:
            _rt, record = record_get(user=request.user,
                                     record_type=validated_data["record_type"],
                                     record_id=validated_data["record_id"])
        except Http404:
            raise ValidationError({"regarding_id": ["No such record."]}) from None
        parent = None
        if validated_data.get("parent_id"):
            parent = Post.objects.filter(pk=validated_data["parent_id"],
                                         record_type=validated_data["record_type"],
                                         record_id=record.pk).first()
            if parent is None:
                raise ValidationError({"parent": ["No such post on this record."]})
        return services.post_create(record=record, actor=request.user,
                                    body=validated_data["body"], parent=parent)

    def update(self, instance, validated_data):
        body = validated_data.get("body", instance.body)
        return services.post_update(post=instance, actor=self.context["request"].user,
                                    body=body)


class PostViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                  viewsets.GenericViewSet):
    """Posts on records the caller may read. Edit and delete: the author, within the edit
    window (admins may delete)."""

    queryset = Post.objects.none()
    serializer_class = PostSerializer
    filterset_class = PostFilter
    search_fields = ["body"]
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    visibility = PUBLIC  # the selector scopes by the record's rules

    def get_base_queryset(self):
        return selectors.post_list(user=self.request.user)

    def check_change_permission(self, obj) -> None:
        pass  # the services say who may edit and delete

    def perform_destroy(self, instance):
        services.post_delete(post=instance, actor=self.request.user)


class NotificationSerializer(serializers.ModelSerializer):
    record_type = serializers.CharField(read_only=True)
    actor_username = serializers.SerializerMethodField()
    event_action = serializers.CharField(source="event.action", read_only=True, default="")
    event_title = serializers.CharField(source="event.title", read_only=True, default="")
    url = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "reason", "record_type", "record_id", "record_label", "post", "actor",
                  "actor_username", "event", "event_action", "event_title", "title", "text", "url",
                  "read", "read_at", "created_at"]
        read_only_fields = fields

    def get_actor_username(self, obj) -> str:
        return obj.actor.username if obj.actor_id and obj.actor else ""

    def get_url(self, obj) -> str:
        path = services.notification_url(obj)
        return self.context["request"].build_absolute_uri(path) if path else ""

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class NotificationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The caller's notifications, newest first; `unread=true` for the unread ones."""

    queryset = Notification.objects.none()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    search_fields = None
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    visibility = PUBLIC

    def get_base_queryset(self):
        return selectors.notification_list(user=self.request.user)

    def check_change_permission(self, obj) -> None:
        pass  # only the recipient ever sees it

    def check_if_match(self, instance) -> None:
        pass  # no version: marking read is idempotent

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(notification=self.get_object(),
                                                       user=request.user)
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=inline_serializer(
        "NotificationsReadAll", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notification_mark_all_read(user=request.user)})


def register(router):
    router.register("posts", PostViewSet, basename="post")
    router.register("notifications", NotificationViewSet, basename="notification")
