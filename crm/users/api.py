from rest_framework import serializers, viewsets

from .models import Team, User
from .selectors import team_list, user_directory


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


def register(router):
    router.register("users", UserViewSet, basename="user")
    router.register("teams", TeamViewSet, basename="team")
