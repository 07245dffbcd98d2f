"""Settings-page forms: webhooks, and rules without code (rows of conditions and actions)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.users.models import Team

from .actions import ACTION_TYPES, RECIPIENTS
from .conditions import NO_VALUE, OPERATORS, rule_fields
from .event_types import TRANSITION_LABELS, TRANSITIONS, known_event_types
from .models import Trigger, Webhook

CONDITION_ROWS = 5
ACTION_ROWS = 4


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
    match = forms.ChoiceField(label=_("Conditions"), choices=[
        ("all", _("all of them hold")), ("any", _("any of them holds"))])
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
        try:
            from crm.mail.models import EmailTemplate

            templates = [(t.pk, t.name) for t in EmailTemplate.objects.filter(shared=True)]
        except ImportError:  # pragma: no cover
            templates = []
        for i in range(CONDITION_ROWS):
            self.fields[f"c{i}_field"] = forms.ChoiceField(
                label=_("Field"), required=False, choices=_blank(field_choices))
            self.fields[f"c{i}_operator"] = forms.ChoiceField(
                label=_("Operator"), required=False, choices=_blank(list(OPERATORS.items())))
            self.fields[f"c{i}_value"] = forms.CharField(
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

    def condition_rows(self):
        return [[self[f"c{i}_{n}"] for n in ("field", "operator", "value")]
                for i in range(CONDITION_ROWS)]

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
        flat = [c for c in (rule.conditions or {}).get("conditions", []) if "field" in c]
        for i, c in enumerate(flat[:CONDITION_ROWS]):
            value = c.get("value", "")
            initial[f"c{i}_field"] = c["field"]
            initial[f"c{i}_operator"] = c["operator"]
            initial[f"c{i}_value"] = ", ".join(map(str, value)) if isinstance(value, list) \
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
        conditions = []
        for i in range(CONDITION_ROWS):
            field, operator = data.get(f"c{i}_field"), data.get(f"c{i}_operator")
            if not field and not operator:
                continue
            item = {"field": field, "operator": operator}
            if operator not in NO_VALUE:
                value = data.get(f"c{i}_value", "")
                item["value"] = ([v.strip() for v in value.split(",") if v.strip()]
                                 if operator in ("in", "not_in") else value)
            conditions.append(item)
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
                "conditions": {"match": data["match"], "conditions": conditions},
                "actions": actions}


class RuleTestForm(forms.Form):
    record_id = forms.IntegerField(label=_("Record id"), min_value=1, max_value=2**62)
