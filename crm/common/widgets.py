import json

from django import forms
from django.urls import reverse


class LookupSelect(forms.Select):
    """A select for a foreign key to a large table: it holds only the current choice, and a
    search box beside it fetches matching records (htmx) into the select's options.

    `lookup_url_name` names a view answering `?q=` with `<option>` elements
    (see crm.common.views.lookup_options).
    """

    template_name = "common/widgets/lookup_select.html"

    def __init__(self, lookup_url_name, attrs=None, params=None, search_label=None):
        super().__init__(attrs)
        self.lookup_url_name = lookup_url_name
        # Extra query parameters sent with every search, e.g. {"price_list": 3}.
        self.params = dict(params or {})
        self.search_label = search_label  # the search box's accessible name

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.params = dict(self.params)
        return obj

    def get_context(self, name, value, attrs):
        ctx = super().get_context(name, value, attrs)
        ctx["widget"]["lookup_url"] = reverse(self.lookup_url_name)
        ctx["widget"]["lookup_vals"] = json.dumps({"field": name, **self.params})
        ctx["widget"]["search_label"] = self.search_label
        return ctx

    def optgroups(self, name, value, attrs=None):
        # Render only the empty choice and the selected value; never iterate the whole table.
        selected = {str(v) for v in value if v not in (None, "")}
        groups = []
        choices = [("", "---------")]
        # The value comes back as typed when the form is invalid (`?account=abc`): look up ids
        # only, or the query itself fails.
        ids = [v for v in selected if v.isdigit() and len(v) < 19]
        if ids:
            qs = self.choices.queryset.filter(pk__in=ids)
            choices += [(obj.pk, str(obj)) for obj in qs]
        for index, (option_value, label) in enumerate(choices):
            option = self.create_option(
                name, option_value, label, str(option_value) in selected, index, attrs=attrs
            )
            groups.append((None, [option], index))
        return groups
