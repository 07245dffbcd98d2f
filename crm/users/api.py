from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from .models import ApiToken, Team, User
from .selectors import api_token_list, team_list, user_directory
from .services import api_token_create, api_token_revoke


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "description"]


class UserSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "full_name", "email", "role",
                  "team", "manager", "job_title"]


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UserSerializer
    filterset_fields = ["role", "team", "manager"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["id", "username", "last_name"]
    ordering = ["id"]

    def get_queryset(self):
        return user_directory()


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    search_fields = ["name"]
    ordering_fields = ["id", "name"]
    ordering = ["id"]

    def get_queryset(self):
        return team_list()


class ApiTokenSerializer(serializers.ModelSerializer):
    created = serializers.DateTimeField(source="created_at", read_only=True)
    last_used = serializers.DateTimeField(source="last_used_at", read_only=True, allow_null=True)
    expires = serializers.DateTimeField(source="expires_at", read_only=True, allow_null=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "user", "created", "last_used", "expires"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The key: shown this once only.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


@extend_schema(tags=["auth"])
class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's personal API tokens (admins: anyone's). Send one as
    `Authorization: Token <key>`; revoked or expired tokens answer 401."""

    serializer_class = ApiTokenSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return ApiToken.objects.none()
        return api_token_list(user=self.request.user)

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        owner = self.request.query_params.get("user")
        if not owner:
            return queryset.filter(user=self.request.user)
        if not owner.isdigit():
            raise serializers.ValidationError({"user": ["A user id is expected."]})
        return queryset.filter(user_id=int(owner))  # the selector already scoped it

    @extend_schema(parameters=[OpenApiParameter(
        "user", int, description="Admins: list this user's tokens (others see only theirs).")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ApiTokenCreateSerializer,
                   responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = api_token_create(user=request.user, **data.validated_data)
        token.token = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        api_token_revoke(token=instance, actor=self.request.user)


def register(router):
    router.register("auth/tokens", ApiTokenViewSet, basename="api-token-personal")
    router.register("users", UserViewSet, basename="user")
    router.register("teams", TeamViewSet, basename="team")
