from django import forms
from django.utils.translation import gettext_lazy as _

from crm.common.forms import OwnerFieldMixin, StorableDateTimeField

from .models import Activity, ActivityKind

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]

# The fields each kind's form shows (quick-add and edit).
KIND_FIELDS = {
    ActivityKind.NOTE: ["description", "attachment"],
    ActivityKind.PHONE_CALL: ["subject", "direction", "duration_minutes", "description"],
    ActivityKind.TASK: ["subject", "due_at", "priority", "description"],
    ActivityKind.APPOINTMENT: ["subject", "starts_at", "ends_at", "location", "attendees",
                               "description"],
    ActivityKind.EMAIL: ["subject", "direction", "email_from", "email_to", "description"],
}
QUICK_ADD_LABELS = {
    ActivityKind.NOTE: _("Note"),
    ActivityKind.PHONE_CALL: _("Log call"),
    ActivityKind.TASK: _("Task"),
    ActivityKind.APPOINTMENT: _("Appointment"),
    ActivityKind.EMAIL: _("Log e-mail"),
}
# Logged calls and e-mails happened already unless the user says they are still to do.
LOGGED_KINDS = {ActivityKind.PHONE_CALL, ActivityKind.EMAIL}


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ActivityForm(OwnerFieldMixin, forms.ModelForm):
    """Edit form (the fields depend on the activity's kind)."""

    class Meta:
        model = Activity
        fields = ["subject", "description", "priority", "due_at", "direction",
                  "duration_minutes", "email_from", "email_to", "starts_at", "ends_at",
                  "location", "attendees", "attachment", "owner"]
        # Offsets and years PostgreSQL cannot store are a field error, not a 500.
        field_classes = dict.fromkeys(("due_at", "starts_at", "ends_at"), StorableDateTimeField)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "attendees": forms.Textarea(attrs={"rows": 2}),
            "due_at": DateTimeInput(),
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
        }

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        kind = kind or self.instance.kind
        keep = set(KIND_FIELDS[kind]) | {"owner", "done"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for name in ("due_at", "starts_at", "ends_at"):
            if name in self.fields:
                self.fields[name].input_formats = DATETIME_FORMATS
        if "subject" in self.fields:
            self.fields["subject"].required = True
        if kind == ActivityKind.NOTE:
            self.fields["description"].required = True
            self.fields["description"].label = _("Note")
        if kind == ActivityKind.APPOINTMENT:
            self.fields["starts_at"].required = True
        if kind == ActivityKind.EMAIL:
            self.fields["description"].label = _("Body")

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The end must not be before the start."))
        return data


class QuickAddForm(ActivityForm):
    """The small forms in a record's timeline panel."""

    done = forms.BooleanField(label=_("Already done"), required=False, initial=True)

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, kind=kind, **kwargs)
        self.kind = kind
        self.fields.pop("owner", None)
        if kind not in LOGGED_KINDS:
            self.fields.pop("done", None)
        self.prefix = f"qa-{kind}"
        if "description" in self.fields:
            self.fields["description"].widget.attrs["rows"] = 2
