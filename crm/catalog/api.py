from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from crm.common.api import ScopedModelViewSet
from crm.common.visibility import PUBLIC
from crm.users.models import User

from . import selectors, services
from .models import PriceList, PriceListItem, Product, TaxRate


class TaxRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaxRate
        fields = ["id", "name", "rate", "is_default", "active", "version"]
        read_only_fields = ["version"]

    def validate_rate(self, value):
        if not (0 <= value <= 100):
            raise serializers.ValidationError(_("Rate must be between 0 and 100."))
        return value

    def create(self, validated_data):
        return services.tax_rate_save(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.tax_rate_save(actor=self.context["request"].user, tax_rate=instance,
                                      **validated_data)


class ProductSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True),
                                               required=False)

    class Meta:
        model = Product
        fields = ["id", "sku", "name", "description", "unit", "default_tax_rate", "active",
                  "owner", "version", "created_at"]
        read_only_fields = ["version", "created_at"]

    def create(self, validated_data):
        owner = validated_data.pop("owner", None)
        return services.product_create(actor=self.context["request"].user, owner=owner,
                                       **validated_data)

    def update(self, instance, validated_data):
        return services.product_update(product=instance, actor=self.context["request"].user,
                                       **validated_data)


class PriceListItemSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = PriceListItem
        fields = ["id", "product", "product_name", "unit_price"]

    def validate_unit_price(self, value):
        if value < 0:
            raise serializers.ValidationError(_("Unit price cannot be negative."))
        return value


class PriceListSerializer(serializers.ModelSerializer):
    items = PriceListItemSerializer(many=True, required=False)

    class Meta:
        model = PriceList
        fields = ["id", "name", "currency", "valid_from", "valid_until", "is_default",
                  "description", "items", "version"]
        read_only_fields = ["version"]

    def validate(self, attrs):
        start = attrs.get("valid_from", getattr(self.instance, "valid_from", None))
        end = attrs.get("valid_until", getattr(self.instance, "valid_until", None))
        if start and end and end < start:
            raise serializers.ValidationError({"valid_until": ["The end date is before the start date."]})
        products = [i["product"].pk for i in attrs.get("items", [])]
        if len(products) != len(set(products)):
            raise serializers.ValidationError({"items": ["A product appears twice."]})
        return attrs

    def create(self, validated_data):
        return services.price_list_save(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.price_list_save(actor=self.context["request"].user,
                                        price_list=instance, **validated_data)


class _CatalogViewSet(ScopedModelViewSet):
    visibility = PUBLIC

    def perform_destroy(self, instance):
        try:
            services.catalog_delete(actor=self.request.user, instance=instance)
        except ProtectedError:
            raise ValidationError({"non_field_errors": [
                "This record is in use and cannot be deleted; deactivate it instead."]})


class ProductViewSet(_CatalogViewSet):
    serializer_class = ProductSerializer
    filterset_fields = ["active", "owner", "unit"]
    search_fields = ["name", "sku"]
    ordering_fields = ["id", "name", "sku"]

    def get_base_queryset(self):
        return selectors.product_list(user=self.request.user)


class PriceListViewSet(_CatalogViewSet):
    serializer_class = PriceListSerializer
    filterset_fields = ["currency", "is_default"]
    search_fields = ["name"]
    ordering_fields = ["id", "name"]

    def get_base_queryset(self):
        return selectors.price_list_list(user=self.request.user)

    def check_change_permission(self, obj) -> None:
        services.require_catalog_admin(self.request.user)


class TaxRateViewSet(PriceListViewSet):
    serializer_class = TaxRateSerializer
    filterset_fields = ["active", "is_default"]
    search_fields = ["name"]
    ordering_fields = ["id", "name", "rate"]

    def get_base_queryset(self):
        return selectors.tax_rate_list(user=self.request.user)


def register(router):
    router.register("products", ProductViewSet, basename="product")
    router.register("price-lists", PriceListViewSet, basename="price-list")
    router.register("tax-rates", TaxRateViewSet, basename="tax-rate")
