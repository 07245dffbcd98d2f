"""The rules every lead input obeys, whichever way it arrives: the HTML form, the API
serializer, the services (and so every other caller) and the CSV importer. One home, so the four
refuse the same input with the same field, code and message."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NON_NEGATIVE_AMOUNTS = ("budget_amount", "estimated_value", "annual_revenue")
RULE_FIELDS = ("topic", "last_name", "company", *NON_NEGATIVE_AMOUNTS)

TOPIC_REQUIRED = _("Give the lead a topic.")
NAME_OR_COMPANY = _("Enter a last name or a company.")
NEGATIVE_AMOUNT = _("This amount cannot be negative.")


def _blank(value) -> bool:
    return not str(value or "").strip()


def lead_input_errors(values: Mapping) -> dict[str, list[ValidationError]]:
    """What is wrong with a lead's values (the whole record: for a change, the stored values
    with the new ones on top), by field; empty when nothing is."""
    errors: dict[str, list[ValidationError]] = {}
    if _blank(values.get("topic")):
        errors["topic"] = [ValidationError(TOPIC_REQUIRED, code="required")]
    if _blank(values.get("last_name")) and _blank(values.get("company")):
        errors["last_name"] = [ValidationError(NAME_OR_COMPANY, code="name_or_company")]
    for name in NON_NEGATIVE_AMOUNTS:
        value = values.get(name)
        if value is not None and value != "" and value < 0:
            errors[name] = [ValidationError(NEGATIVE_AMOUNT, code="negative")]
    return errors


def check_lead_input(values: Mapping) -> None:
    """Raise a ValidationError naming each field that breaks a lead rule."""
    if errors := lead_input_errors(values):
        raise ValidationError(errors)
