"""The form renderer: Django's `TemplatesSetting`, with `<select>` written in Python.

Issue 17: a list page's filter form (an owner select of every readable user, status and source
selects) cost ~3-4 ms of a ~9 ms page, nearly all of it in rendering one template fragment per
`<option>`. `FastSelectRenderer` writes the markup of `django/forms/widgets/select.html` (the
project's copy, which inlines the option) and `attrs.html` itself, value for value: the same
escaping (`stringformat:'s'` keeps a safe string safe), the same localisation of labels
(`render_value_in_context`), the same whitespace. Any option with its own template, and every
other widget, goes through the templates as before. tests/common/test_fast_select.py compares
both renderers byte for byte.
"""

from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _formatted(value) -> str:
    """`{{ value|stringformat:'s' }}` in an autoescaped template."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)  # noqa: UP031
    return text if isinstance(value, SafeData) else escape(text)


def _shown(value) -> str:
    """`{{ value }}`: `render_value_in_context` with autoescape, l10n and time zones on."""
    value = localize(template_localtime(value))
    if not issubclass(type(value), str):
        value = str(value)
    return conditional_escape(value)


def _attrs(attrs) -> str:
    """`django/forms/widgets/attrs.html`."""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(f" {conditional_escape(name)}")
            if value is not True:
                out.append(f'="{_formatted(value)}"')
    return "".join(out)


def render_select(widget) -> str | None:
    """The select's HTML, or None when an option has a template of its own."""
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            out.append(f'\n  <option value="{_formatted(option["value"])}"'
                       f'{_attrs(option["attrs"])}>{_shown(option["label"])}</option>\n')
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class FastSelectRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE and "widget" in context:
            html = render_select(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request)
