from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    """Forecasts and quotas: reads opportunities (and invoices), so it sits above them."""

    name = "forecasting"
    default_auto_field = "django.db.models.BigAutoField"
