from django.utils.translation import gettext as _
from rest_framework import serializers

from crm.common.api import ScopedModelViewSet
from crm.common.fastlist import FastListMixin
from crm.common.visibility import PUBLIC
from crm.users.models import User

from . import selectors, services
from .filters import AccountFilter, ContactFilter
from .models import Account, Contact


class AccountSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )

    class Meta:
        model = Account
        fields = [
            "id", "name", "account_number", "website", "phone", "email", "industry",
            "employees", "annual_revenue", "street", "city", "state", "postal_code", "country",
            "ship_street", "ship_city", "ship_state", "ship_postal_code", "ship_country",
            "parent", "primary_contact", "description", "owner", "last_activity_at",
            "open_activity_count", "version", "created_at", "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at", "last_activity_at",
                            "open_activity_count"]

    def validate_annual_revenue(self, value):
        if value is not None and value < 0:
            raise serializers.ValidationError(_("Annual revenue cannot be negative."))
        return value

    def create(self, validated_data):
        owner = validated_data.pop("owner", None)
        return services.account_create(actor=self.context["request"].user, owner=owner,
                                       **validated_data)

    def update(self, instance, validated_data):
        return services.account_update(account=instance, actor=self.context["request"].user,
                                       **validated_data)


class ContactSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id", "salutation", "first_name", "last_name", "full_name", "job_title", "email",
            "email2", "business_phone", "mobile_phone", "street", "city", "state",
            "postal_code", "country", "account", "description", "owner", "last_activity_at",
            "open_activity_count", "version", "created_at", "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at", "last_activity_at",
                            "open_activity_count"]

    def create(self, validated_data):
        owner = validated_data.pop("owner", None)
        return services.contact_create(actor=self.context["request"].user, owner=owner,
                                       **validated_data)

    def update(self, instance, validated_data):
        return services.contact_update(contact=instance, actor=self.context["request"].user,
                                       **validated_data)


class AccountViewSet(FastListMixin, ScopedModelViewSet):
    serializer_class = AccountSerializer
    visibility = PUBLIC
    filterset_class = AccountFilter
    search_fields = ["name", "email", "city"]
    ordering_fields = ["id", "name", "created_at", "updated_at", "city"]
    ordering = ["-id"]

    def get_base_queryset(self):
        return selectors.account_list(user=self.request.user)

    def perform_destroy(self, instance):
        services.account_delete(account=instance, actor=self.request.user)


class ContactViewSet(FastListMixin, ScopedModelViewSet):
    fast_list_properties = {"full_name": ("first_name", "last_name")}
    serializer_class = ContactSerializer
    visibility = PUBLIC
    filterset_class = ContactFilter
    search_fields = ["last_name", "first_name", "email"]
    ordering_fields = ["id", "last_name", "created_at", "updated_at"]
    ordering = ["-id"]

    def get_base_queryset(self):
        return selectors.contact_list(user=self.request.user)

    def perform_destroy(self, instance):
        services.contact_delete(contact=instance, actor=self.request.user)


def register(router):
    router.register("accounts", AccountViewSet, basename="account")
    router.register("contacts", ContactViewSet, basename="contact")


