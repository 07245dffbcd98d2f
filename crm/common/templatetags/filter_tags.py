"""`{% filter_options field %}`: the `<option>`s of a list page's plain filter select
(`common/_filter_field.html`) in one pass of Python.

Issue 17: the template rendered each option (a manager's owner filter lists every readable
user) with four lookups, a `stringformat`, two `if`s and a `{% translate %}`. This writes the
same markup: the value as `stringformat:'s'` writes it, " selected", the label as `{{ }}`
shows it (localised, escaped) and "Any" for django-filter's "---------".
tests/common/test_fast_select.py compares it with the template's loop.
"""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from crm.common.renderers import _formatted, _shown

register = template.Library()


@register.simple_tag
def filter_options(field):
    any_label = None
    out = []
    for option in field:
        data = option.data
        label = data["label"]
        if label == "---------":
            if any_label is None:
                any_label = conditional_escape(_("Any"))
            text = any_label
        else:
            text = _shown(label)
        selected = " selected" if data["selected"] else ""
        out.append(f'<option value="{_formatted(data["value"])}"{selected}>{text}</option>')
    return mark_safe("".join(out))
