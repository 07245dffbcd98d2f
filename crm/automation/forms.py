"""Settings-page forms: webhooks, and rules without code (rows of conditions and actions)."""

import json

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.mail.models import EmailTemplate
from crm.users.models import Team

from .actions import ACTION_TYPES, RECIPIENTS
from .conditions import LIST_VALUE, NO_VALUE, OPERATORS, rule_fields
from .event_types import TRANSITION_LABELS, TRANSITIONS, known_event_types
from .models import Trigger, Webhook

CONDITION_ROWS = 5
GROUPS = 3
GROUP_ROWS = 4
ACTION_ROWS = 4
MATCH_CHOICES = [("all", _("all of them hold")), ("any", _("any of them holds"))]


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    url = forms.CharField(label=_("URL"), max_length=500,
                          help_text=_("Must resolve to a public address."))
    secret = forms.CharField(label=_("Secret"), max_length=200, required=False,
                             help_text=_("Signs each delivery (HMAC-SHA256). Leave empty to "
                                         "generate one."))
    events = forms.MultipleChoiceField(label=_("Events"), required=False,
                                       widget=forms.CheckboxSelectMultiple,
                                       help_text=_("None ticked: every event."))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(t, t) for t in known_event_types()]

    @classmethod
    def initial_for(cls, webhook: Webhook) -> dict:
        return {"name": webhook.name, "url": webhook.url, "secret": webhook.secret,
                "events": webhook.events, "active": webhook.active}


class RuleCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    record_type = forms.ChoiceField(label=_("Record type"))
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [(t, t) for t in sorted(TRANSITIONS)]


def _blank(choices):
    return [("", "—"), *choices]


class RuleForm(forms.Form):
    """The whole rule for one record type: trigger details, condition rows, action rows."""

    name = forms.CharField(label=_("Name"), max_length=150)
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)
    fields = forms.MultipleChoiceField(label=_("Changed fields"), required=False,
                                       help_text=_("When changed: any of these (none: any "
                                                   "field)."))
    transitions = forms.MultipleChoiceField(label=_("Transitions"), required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text=_("None ticked: any transition."))
    match = forms.ChoiceField(label=_("Conditions"), choices=MATCH_CHOICES,
                              help_text=_("Of the conditions below and the groups."))
    conditions_json = forms.CharField(
        label=_("Conditions as JSON"), required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_("Optional, for conditions the rows cannot show (groups within groups): "
                    "{\"match\": \"all\" or \"any\", \"conditions\": [{\"field\", "
                    "\"operator\", \"value\"} or a group, ...]}. When filled in, it is used "
                    "instead of the rows."))
    active = forms.BooleanField(label=_("Active"), required=False)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=10000, initial=100)

    def __init__(self, *args, record_type: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.record_type = record_type
        field_choices = [(f.name, f.name) for f in rule_fields(record_type)]
        self.fields["fields"].choices = field_choices
        self.fields["transitions"].choices = [
            (t, TRANSITION_LABELS.get(t, t)) for t in TRANSITIONS[record_type]]
        User = get_user_model()
        users = [(u.pk, str(u)) for u in User.objects.filter(is_active=True)]
        teams = [(t.pk, t.name) for t in Team.objects.all()]
        webhooks = [(w.pk, str(w)) for w in Webhook.objects.all()]
        templates = [(t.pk, t.name) for t in EmailTemplate.objects.filter(shared=True)]
        prefixes = [f"c{i}_" for i in range(CONDITION_ROWS)]
        for j in range(GROUPS):
            self.fields[f"g{j}_match"] = forms.ChoiceField(
                label=_("This group holds when"), required=False, choices=MATCH_CHOICES)
            prefixes += [f"g{j}c{i}_" for i in range(GROUP_ROWS)]
        for p in prefixes:
            self.fields[p + "field"] = forms.ChoiceField(
                label=_("Field"), required=False, choices=_blank(field_choices))
            self.fields[p + "operator"] = forms.ChoiceField(
                label=_("Operator"), required=False, choices=_blank(list(OPERATORS.items())))
            self.fields[p + "value"] = forms.CharField(
                label=_("Value"), required=False, max_length=500,
                help_text=_("For “is one of”: values separated by commas."))
        for i in range(ACTION_ROWS):
            p = f"a{i}_"
            self.fields[p + "type"] = forms.ChoiceField(
                label=_("Action"), required=False, choices=_blank(list(ACTION_TYPES.items())))
            self.fields[p + "to"] = forms.ChoiceField(
                label=_("For / to"), required=False, choices=list(RECIPIENTS.items()))
            self.fields[p + "user"] = forms.TypedChoiceField(
                label=_("User"), required=False, coerce=int, choices=_blank(users))
            self.fields[p + "team"] = forms.TypedChoiceField(
                label=_("Team (round-robin)"), required=False, coerce=int,
                choices=_blank(teams))
            self.fields[p + "subject"] = forms.CharField(
                label=_("Task subject or message"), required=False, max_length=500)
            self.fields[p + "days"] = forms.IntegerField(
                label=_("Due in days"), required=False, min_value=0, max_value=3650)
            self.fields[p + "field"] = forms.ChoiceField(
                label=_("Field to set"), required=False, choices=_blank(field_choices))
            self.fields[p + "value"] = forms.CharField(label=_("Value to set"), required=False,
                                                      max_length=500)
            self.fields[p + "webhook"] = forms.TypedChoiceField(
                label=_("Webhook"), required=False, coerce=int, choices=_blank(webhooks))
            self.fields[p + "template"] = forms.TypedChoiceField(
                label=_("Email template"), required=False, coerce=int,
                choices=_blank(templates))

    def _row(self, prefix):
        return [self[prefix + n] for n in ("field", "operator", "value")]

    def condition_rows(self):
        return [self._row(f"c{i}_") for i in range(CONDITION_ROWS)]

    def condition_groups(self):
        return [{"match": self[f"g{j}_match"],
                 "rows": [self._row(f"g{j}c{i}_") for i in range(GROUP_ROWS)]}
                for j in range(GROUPS)]

    @property
    def conditions_as_json(self) -> bool:
        """The JSON editor is the one in use (the rule does not fit the rows, or was typed)."""
        if self.is_bound:
            return bool((self.data.get("conditions_json") or "").strip())
        return bool(self.initial.get("conditions_json"))

    def clean_conditions_json(self):
        text = (self.cleaned_data.get("conditions_json") or "").strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Not valid JSON (line %(line)s, column %(col)s): %(msg)s")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}) from None
        return value

    def action_rows(self):
        names = ("type", "to", "user", "team", "subject", "days", "field", "value", "webhook",
                 "template")
        return [[self[f"a{i}_{n}"] for n in names] for i in range(ACTION_ROWS)]

    @classmethod
    def initial_for(cls, rule) -> dict:
        initial = {"name": rule.name, "trigger": rule.trigger, "fields": rule.fields,
                   "transitions": rule.transitions, "active": rule.active,
                   "position": rule.position,
                   "match": (rule.conditions or {}).get("match", "all")}
        items = (rule.conditions or {}).get("conditions", [])
        flat = [c for c in items if "field" in c]
        groups = [g for g in items if "field" not in g]
        fits = (len(flat) <= CONDITION_ROWS and len(groups) <= GROUPS
                and all(len(g.get("conditions", [])) <= GROUP_ROWS
                        and all("field" in c for c in g.get("conditions", []))
                        for g in groups))
        if not fits:
            initial["conditions_json"] = json.dumps(rule.conditions, indent=2,
                                                    ensure_ascii=False)
            flat, groups = [], []
        rows = [(f"c{i}_", c) for i, c in enumerate(flat)]
        for j, g in enumerate(groups):
            initial[f"g{j}_match"] = g.get("match", "all")
            rows += [(f"g{j}c{i}_", c) for i, c in enumerate(g.get("conditions", []))]
        for p, c in rows:
            value = c.get("value", "")
            initial[p + "field"] = c["field"]
            initial[p + "operator"] = c["operator"]
            initial[p + "value"] = ", ".join(map(str, value)) if isinstance(value, list) \
                else ("" if value is None else str(value))
        for i, a in enumerate((rule.actions or [])[:ACTION_ROWS]):
            p = f"a{i}_"
            initial[p + "type"] = a["type"]
            initial[p + "to"] = a.get("to") or a.get("assign_to") or "owner"
            initial[p + "user"] = a.get("user")
            initial[p + "team"] = a.get("team")
            initial[p + "subject"] = a.get("subject") or a.get("message") or ""
            initial[p + "days"] = a.get("due_in_days")
            initial[p + "field"] = a.get("field") if a["type"] == "set_field" else ""
            initial[p + "value"] = "" if a.get("value") is None else str(a.get("value", ""))
            initial[p + "webhook"] = a.get("webhook")
            initial[p + "template"] = a.get("template")
        return initial

    def rule_data(self) -> dict:
        """The service's input from the cleaned rows (the service checks the meaning)."""
        data = self.cleaned_data

        def rows(prefixes):
            out = []
            for p in prefixes:
                field, operator = data.get(p + "field"), data.get(p + "operator")
                value = data.get(p + "value", "")
                if not field and not operator:
                    if value:  # typed a value but no field: say so rather than drop it
                        out.append({"field": field, "operator": operator, "value": value})
                    continue
                item = {"field": field, "operator": operator}
                if operator not in NO_VALUE:
                    item["value"] = ([v.strip() for v in value.split(",") if v.strip()]
                                     if operator in LIST_VALUE else value)
                out.append(item)
            return out

        if data.get("conditions_json") is not None:
            conditions_value = data["conditions_json"]
        else:
            conditions = rows(f"c{i}_" for i in range(CONDITION_ROWS))
            for j in range(GROUPS):
                members = rows(f"g{j}c{i}_" for i in range(GROUP_ROWS))
                if members:
                    conditions.append({"match": data.get(f"g{j}_match") or "all",
                                       "conditions": members})
            conditions_value = {"match": data["match"], "conditions": conditions}
        actions = []
        for i in range(ACTION_ROWS):
            p = f"a{i}_"
            kind = data.get(p + "type")
            if not kind:
                continue
            to, user = data.get(p + "to") or "owner", data.get(p + "user")
            if kind == "assign_owner":
                action = ({"team": data.get(p + "team")} if data.get(p + "team")
                          else {"user": user})
            elif kind == "create_task":
                action = {"subject": data.get(p + "subject"), "assign_to": to, "user": user,
                          "due_in_days": data.get(p + "days") or 0}
            elif kind == "notify":
                action = {"to": to, "user": user, "message": data.get(p + "subject")}
            elif kind == "send_email":
                action = {"template": data.get(p + "template"), "to": to, "user": user}
            elif kind == "set_field":
                action = {"field": data.get(p + "field"), "value": data.get(p + "value")}
            else:
                action = {"webhook": data.get(p + "webhook")}
            if action.get("user") in (None, "") and to != "user":
                action.pop("user", None)
            actions.append({"type": kind, **action})
        return {"name": data["name"], "trigger": data["trigger"], "fields": data["fields"],
                "transitions": data["transitions"], "active": data["active"],
                "position": data["position"],
                "conditions": conditions_value,
                "actions": actions}


class RuleTestForm(forms.Form):
    record_id = forms.IntegerField(label=_("Record id"), min_value=1, max_value=2**62)
