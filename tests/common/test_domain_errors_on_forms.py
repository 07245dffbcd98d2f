"""One way a service's refusal reaches an HTML form (crm.common.forms.add_domain_error) or a
message (crm.common.errors.error_text), whichever view shows it."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from crm.common.errors import BusinessRuleViolation, RecordLocked, error_text
from crm.common.forms import add_domain_error


class _Form(forms.Form):
    name = forms.CharField(required=False)
    amount = forms.DecimalField(required=False)


def _bound():
    form = _Form(data={"name": "x", "amount": "1"})
    assert form.is_valid()
    return form


def test_a_validation_error_lands_on_the_fields_it_names_and_the_rest_on_the_form():
    form = _bound()
    add_domain_error(form, ValidationError({
        "amount": ValidationError("This amount cannot be negative.", code="negative"),
        "owner": ["Not yours."],  # not a field of this form
    }))
    assert form.errors["amount"] == ["This amount cannot be negative."]
    assert form.errors.as_data()["amount"][0].code == "negative"
    assert form.non_field_errors() == ["Not yours."]


def test_a_domain_error_with_fields_lands_on_those_fields_only():
    form = _bound()
    add_domain_error(form, BusinessRuleViolation("Check the amount.",
                                                 fields={"amount": ["Too high."]}))
    assert form.errors == {"amount": ["Too high."]}


def test_a_domain_error_without_fields_is_a_form_error_with_its_message():
    form = _bound()
    add_domain_error(form, RecordLocked())
    assert form.non_field_errors() == [str(RecordLocked.default_message)]


def test_a_field_less_validation_error_shows_its_messages_not_their_repr():
    form = _bound()
    add_domain_error(form, ValidationError(["First.", "Second."]))
    add_domain_error(form, ValidationError("Only %(what)s.", params={"what": "this"}))
    assert form.non_field_errors() == ["First.", "Second.", "Only this."]


def test_error_text_is_one_line_for_every_kind_of_refusal():
    assert error_text(ValidationError(["A.", "B."])) == "A. B."
    assert error_text(ValidationError({"x": ["A."], "y": ["B."]})) == "A. B."
    assert error_text(ValidationError("Only %(what)s.", params={"what": "this"})) == \
        "Only this."
    assert error_text(RecordLocked("Locked.")) == "Locked."
    assert error_text(PermissionDenied("Not yours.")) == "Not yours."
