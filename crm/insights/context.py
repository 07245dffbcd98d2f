"""What a widget is computed for: the viewer, the period and the team/owner filters."""

from dataclasses import dataclass, field
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from crm.common.visibility import readable_owner_ids
from crm.users.models import Team, User

from .periods import RELATIVE_CHOICES, Period, relative_period


@dataclass
class WidgetContext:
    user: object
    period: Period
    team: Team | None = None
    owner: User | None = None
    today: date = field(default_factory=timezone.localdate)

    @cached_property
    def owner_ids(self) -> frozenset[int] | None:
        """Owners whose records count: what the viewer may read, narrowed by team and owner.

        None means no restriction (an admin with no filter)."""
        ids = readable_owner_ids(self.user)
        if self.owner is not None:
            ids = frozenset({self.owner.pk}) if ids is None else ids & {self.owner.pk}
        if self.team is not None:
            members = frozenset(User.objects.filter(team=self.team).values_list("id", flat=True))
            ids = members if ids is None else ids & members
        return ids

    def scope(self, qs, owner_field: str = "owner"):
        """`qs` restricted to records owned by `owner_ids` (the visibility rules apply)."""
        if not self.user.is_authenticated:
            return qs.none()
        ids = self.owner_ids
        if ids is None:
            return qs
        return qs.filter(**{f"{owner_field}_id__in": sorted(ids)})

    def link_params(self) -> dict:
        """Query parameters every drill-down link carries (list pages filter by owner)."""
        return {"owner": self.owner.pk} if self.owner is not None else {}

    def cache_key(self) -> str:
        ids = self.owner_ids
        scope = "all" if ids is None else ",".join(map(str, sorted(ids)))
        return f"{self.period.key}|{self.period.start}|{self.today}|{scope}"


class DashboardFilterForm(forms.Form):
    period = forms.CharField(label=_("Period"), required=False,
                             widget=forms.Select(choices=RELATIVE_CHOICES),
                             help_text=_("Or a period key: 2026-11, 2026-Q4, FY2026."))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False,
                                  empty_label=_("All teams"))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(),
                                   required=False, empty_label=_("Everyone I can see"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        ids = readable_owner_ids(user)
        owners = User.objects.filter(is_active=True).only("id", "username", "first_name",
                                                           "last_name")
        if ids is not None:
            owners = owners.filter(id__in=ids)
        self.fields["owner"].queryset = owners.order_by("first_name", "last_name", "username")
        chosen = (self.data or {}).get("period")
        if chosen and chosen not in dict(RELATIVE_CHOICES):
            choices = [*RELATIVE_CHOICES, (chosen, chosen)]
            self.fields["period"].widget = forms.Select(choices=choices)

    def clean_period(self):
        value = (self.cleaned_data.get("period") or "").strip()
        if value:
            try:
                relative_period(value)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return value


def build_context(request_user, params, *, default_period="this_quarter",
                  default_owner=None) -> tuple[WidgetContext, DashboardFilterForm]:
    """Turn query parameters into a WidgetContext; invalid values fall back to the defaults."""
    data = {k: params.get(k) for k in ("period", "team", "owner") if params.get(k)}
    form = DashboardFilterForm(data or None, user=request_user)
    period_name, team, owner = default_period, None, default_owner
    if data and form.is_valid():
        period_name = form.cleaned_data["period"] or default_period
        team = form.cleaned_data["team"]
        owner = form.cleaned_data["owner"]
        if "owner" not in data and default_owner is not None:
            owner = default_owner if team is None else None
    if not data:
        form = DashboardFilterForm(
            initial={"period": period_name, "owner": owner.pk if owner else None},
            user=request_user,
        )
    ctx = WidgetContext(user=request_user, period=relative_period(period_name), team=team,
                        owner=owner)
    return ctx, form
