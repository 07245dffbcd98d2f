from django import forms
from django.utils.translation import gettext_lazy as _

from .models import POST_BODY_MAX, EmailDelivery


class PostForm(forms.Form):
    body = forms.CharField(label=_("Post"), max_length=POST_BODY_MAX, strip=True,
                           widget=forms.Textarea(attrs={"rows": 3}))


class PreferenceForm(forms.Form):
    email_delivery = forms.ChoiceField(label=_("Email me notifications"),
                                       choices=EmailDelivery.choices,
                                       widget=forms.RadioSelect)
