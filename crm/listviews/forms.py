from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SharedWith
from .services import may_share


class ViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    shared_with = forms.ChoiceField(label=_("Share with"), choices=SharedWith.choices,
                                    initial=SharedWith.PRIVATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shared_with"].choices = [
            (value, label) for value, label in SharedWith.choices if may_share(user, value)]


class SaveViewForm(ViewForm):
    make_default = forms.BooleanField(label=_("Open this list with it"), required=False)
    query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)
