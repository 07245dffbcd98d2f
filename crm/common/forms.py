from django import forms
from django.utils.translation import gettext_lazy as _

from crm.common.visibility import can_reassign


class OwnerFieldMixin:
    """Owner select limited to the users the current user may assign records to.

    Sellers cannot reassign: the field is shown read-only for them.
    Pass `user=request.user` to the form.
    """

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "owner" not in self.fields:
            return
        from crm.users.selectors import assignable_users

        field = self.fields["owner"]
        field.queryset = assignable_users(user)
        field.required = False
        field.help_text = _("Leave empty to own it yourself.")
        if not can_reassign(user):
            field.disabled = True
            field.help_text = _("Only managers and admins can reassign records.")
            if not self.instance.pk:
                field.initial = user.pk


class CSVUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
