"""crm.common.renderers.FastSelectRenderer writes every `<select>` exactly as the templates do
(issue 17: the filter forms' selects were a third of a list page)."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from crm.common.renderers import FastSelectRenderer
from crm.users.models import User

FAST, SLOW = FastSelectRenderer(), TemplatesSetting()

CHOICES = [
    ("", "---------"),
    ("a", "Plain"),
    ("b&c", 'Müller & Søn <GmbH> "quoted"'),
    (3, gettext_lazy("Open")),
    ("safe", mark_safe("<b>bold</b>")),
    (Decimal("1234.5"), Decimal("1234.5")),
    ("d", datetime.date(2026, 12, 7)),
    ("n", 1234567),
    (None, "none value"),
    ("Group one", [("g1", "In a group"), ("g2", gettext_lazy("Closed"))]),
    (mark_safe("x\"y"), "safe value"),
    (("t", 1), "a tuple value"),
]


class OddOption(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"


def widgets():
    yield forms.Select(choices=CHOICES), "b&c"
    yield forms.Select(choices=CHOICES, attrs={"class": "x", "disabled": True, "hidden": False,
                                              "data-n": 5, "data-s": mark_safe("<i>"),
                                              "aria-label": 'a "b" & c'}), 3
    yield forms.Select(choices=CHOICES), None
    yield forms.SelectMultiple(choices=CHOICES), ["a", "g2", "n"]
    yield forms.NullBooleanSelect(), True
    yield forms.Select(choices=[]), ""
    yield OddOption(choices=CHOICES), "a"


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_select_is_the_templates_markup(language):
    with translation.override(language):
        for widget, value in widgets():
            for name in ("owner", 'we"ird<name>'):
                attrs = {"id": f"id_{name}"}
                assert widget.render(name, value, attrs, renderer=FAST) == \
                    widget.render(name, value, attrs, renderer=SLOW), (widget, value)


@pytest.mark.django_db
def test_model_choice_fields_and_the_lead_filter_form(org, rf):
    from leads.filters import LeadFilter
    from leads.models import Lead

    field = forms.ModelChoiceField(queryset=User.objects.order_by("pk"), empty_label="All")
    assert field.widget.render("owner", org.sam.pk, renderer=FAST) == \
        field.widget.render("owner", org.sam.pk, renderer=SLOW)
    request = rf.get("/leads/", {"status": "new", "owner": str(org.sam.pk)})
    request.user = org.maria
    form = LeadFilter(request.GET, queryset=Lead.objects.all(), request=request).form
    form.renderer = FAST
    fast = "".join(str(bound) for bound in form)
    form.renderer = SLOW
    assert fast == "".join(str(bound) for bound in form)
    assert "<option" in fast


def test_it_is_the_projects_renderer(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "crm.common.renderers.FastSelectRenderer"
    assert isinstance(get_default_renderer(), FastSelectRenderer)


# `common/_filter_field.html` as it was before `{% filter_options %}`: the options in the
# template's own loop.
OLD_FILTER_FIELD = (
    "{% load i18n %}{% if field.field.widget.format_key == \"DATE_INPUT_FORMATS\" %}"
    "<label>{{ field.label }} <input type=\"date\" name=\"{{ field.html_name }}\" "
    "id=\"{{ field.auto_id }}\" value=\"{{ field.value|default_if_none:'' }}\"></label>"
    "{% elif field.field.widget.input_type == \"select\" and not "
    "field.field.widget.allow_multiple_selected and not field.field.widget.attrs %}"
    "<label>{{ field.label }} <select name=\"{{ field.html_name }}\" id=\"{{ field.auto_id }}\">"
    "{% for option in field %}<option value=\"{{ option.data.value|stringformat:'s' }}\""
    "{% if option.data.selected %} selected{% endif %}>{% if option.choice_label == "
    "\"---------\" %}{% translate \"Any\" %}{% else %}{{ option.choice_label }}{% endif %}"
    "</option>{% endfor %}</select></label>{% else %}<label>{{ field.label }} {{ field }}"
    "</label>{% endif %}\n")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_list_filters_options_are_the_templates_loop(org, rf, language):
    from django.template import engines
    from django.template.loader import get_template

    from crm.activities.filters import ActivityPageFilter
    from crm.activities.models import Activity
    from invoices.filters import InvoicePageFilter
    from invoices.models import Invoice
    from leads.filters import LeadPageFilter
    from leads.models import Lead
    from opportunities.filters import OpportunityPageFilter
    from opportunities.models import Opportunity

    old = engines["django"].from_string(OLD_FILTER_FIELD)
    new = get_template("common/_filter_field.html")
    seen = 0
    with translation.override(language):
        for filterset_class, model, data in (
                (LeadPageFilter, Lead, {"status": "new", "owner": str(org.sam.pk)}),
                (LeadPageFilter, Lead, {}),
                (OpportunityPageFilter, Opportunity, {"owner": "999999", "stage": "x"}),
                (InvoicePageFilter, Invoice, {"status": "active"}),
                (ActivityPageFilter, Activity, {"kind": "task"})):
            request = rf.get("/", data)
            request.user = org.maria
            try:
                form = filterset_class(request.GET or None, queryset=model.objects.all(),
                                       request=request).form
            except TypeError:
                form = filterset_class(request.GET or None, queryset=model.objects.all()).form
            for field in form:
                context = {"field": field}
                assert new.render(context, request) == old.render(context, request), field.name
                seen += "<option" in new.render(context, request)
    assert seen >= 5
