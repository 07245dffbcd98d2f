from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views import View
from django.views.generic import TemplateView

from crm.common import listing as L
from crm.common.forms import add_domain_error
from crm.common.views import ListPageView
from crm.common.visibility import PUBLIC, can_change, check_can_change

from . import selectors, services
from .filters import AccountPageFilter, ContactPageFilter
from .forms import AccountForm, ContactForm
from .models import Industry


def _city_cell(row, page):
    city, country = L.esc(row["city"]), row["country"]
    return f"{city}, {L.esc(country)}" if country else city


ACCOUNT_COLUMNS = [
    L.Column("name", _l("Name"), ("name",), L.link("name", "account-detail"), sort="name"),
    L.Column("industry", _l("Industry"), ("industry",), L.choice("industry", Industry),
             sort="industry"),
    L.Column("city", _l("City"), ("city", "country"), _city_cell, sort="city"),
    L.Column("phone", _l("Phone"), ("phone",), L.text("phone")),
    L.person_column("owner", _l("Owner"), sort="owner"),
    L.Column("created", _l("Created"), ("created_at",), L.when("created_at"), sort="created",
             css="nowrap"),
]


def _contact_name(row):
    return f"{row['first_name']} {row['last_name']}".strip()


def _contact_phone(row, page):
    return L.esc(row["business_phone"] or row["mobile_phone"])


CONTACT_COLUMNS = [
    L.Column("name", _l("Name"), ("first_name", "last_name"),
             L.link("name", "contact-detail", text_fn=_contact_name), sort="name"),
    L.Column("job_title", _l("Job title"), ("job_title",), L.text("job_title")),
    L.Column("account", _l("Account"), ("account_id", "account__name"),
             L.link("account__name", "account-detail", pk="account_id"), sort="account"),
    L.Column("email", _l("Email"), ("email",), L.text("email"), sort="email"),
    L.Column("phone", _l("Phone"), ("business_phone", "mobile_phone"), _contact_phone),
    L.person_column("owner", _l("Owner"), sort="owner"),
]


ACCOUNT_EXTRA_COLUMNS = (
    L.Column("email", _l("Email"), ("email",), L.text("email")),
    L.Column("website", _l("Website"), ("website",), L.text("website")),
    L.Column("country", _l("Country"), ("country",), L.text("country")),
    L.Column("account_number", _l("Account number"), ("account_number",),
             L.text("account_number")),
    L.Column("employees", _l("Employees"), ("employees",), L.text("employees"), css="num"),
    L.Column("annual_revenue", _l("Annual revenue"), ("annual_revenue",),
             L.money("annual_revenue", blank_if_none=True), css="num"),
    L.Column("parent", _l("Parent account"), ("parent_id", "parent__name"),
             L.link("parent__name", "account-detail", pk="parent_id")),
    L.Column("primary_contact", _l("Primary contact"),
             ("primary_contact_id", "primary_contact__first_name", "primary_contact__last_name"),
             L.link("primary_contact__last_name", "contact-detail", pk="primary_contact_id",
                    text_fn=lambda row: " ".join(p for p in (
                        row["primary_contact__first_name"], row["primary_contact__last_name"])
                        if p))),
    L.Column("team", _l("Owner's team"), ("owner__team__name",), L.text("owner__team__name")),
    L.Column("updated", _l("Updated"), ("updated_at",), L.when("updated_at"), css="nowrap"),
)


class AccountListView(ListPageView):
    template_name = "customers/account_list.html"
    filterset_class = AccountPageFilter
    search_fields = ("name", "email", "city")
    sort_fields = {"name": "name", "city": "city", "industry": "industry",
                   "owner": "owner__last_name", "created": "created_at"}
    default_sort = "name"
    columns = ACCOUNT_COLUMNS
    resource = "accounts"
    extra_columns = ACCOUNT_EXTRA_COLUMNS

    def get_base_queryset(self):
        return selectors.account_list(user=self.request.user)


class AccountDetailView(LoginRequiredMixin, TemplateView):
    template_name = "customers/account_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        account = selectors.account_get(user=self.request.user, pk=kwargs["pk"])
        ctx.update(
            object=account,
            account=account,
            contacts=selectors.account_contacts(account=account),
            children=selectors.account_children(account=account),
            can_change=can_change(self.request.user, account, visibility=PUBLIC),
        )
        return ctx


class _FormView(LoginRequiredMixin, View):
    form_class = None
    template_name = ""
    noun = ""

    def get_instance(self):
        return None

    def render_form(self, form, instance=None):
        return render(self.request, self.template_name,
                      {"form": form, "object": instance, "noun": self.noun})

    def get(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.form_class(instance=instance, user=request.user,
                               initial=self.get_initial())
        return self.render_form(form, instance)

    def get_initial(self):
        return {}

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.form_class(request.POST, instance=instance, user=request.user)
        if form.is_valid():
            try:
                obj = self.save(form, instance)
            except (ValidationError, PermissionDenied) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, self.success_message(obj))
                return redirect(obj.get_absolute_url())
        messages.error(request, _("Please correct the errors below."))
        return self.render_form(form, instance)


class AccountCreateView(_FormView):
    form_class = AccountForm
    template_name = "customers/account_form.html"
    noun = "account"

    def save(self, form, instance):
        data = {k: v for k, v in form.cleaned_data.items() if k != "owner"}
        return services.account_create(actor=self.request.user,
                                       owner=form.cleaned_data.get("owner"), **data)

    def success_message(self, obj):
        return _("Account “%(name)s” created.") % {"name": obj.name}


class AccountUpdateView(_FormView):
    form_class = AccountForm
    template_name = "customers/account_form.html"
    noun = "account"

    def get_instance(self):
        account = selectors.account_get(user=self.request.user, pk=self.kwargs["pk"])
        check_can_change(self.request.user, account, visibility=PUBLIC)
        return account

    def save(self, form, instance):
        return services.account_update(account=instance, actor=self.request.user,
                                       **form.cleaned_data)

    def success_message(self, obj):
        return _("Account “%(name)s” saved.") % {"name": obj.name}


CONTACT_EXTRA_COLUMNS = (
    L.Column("business_phone", _l("Business phone"), ("business_phone",),
             L.text("business_phone")),
    L.Column("mobile", _l("Mobile phone"), ("mobile_phone",), L.text("mobile_phone")),
    L.Column("city", _l("City"), ("city",), L.text("city")),
    L.Column("country", _l("Country"), ("country",), L.text("country")),
    L.Column("account_industry", _l("Account industry"), ("account__industry",),
             L.choice("account__industry", Industry)),
    L.Column("team", _l("Owner's team"), ("owner__team__name",), L.text("owner__team__name")),
    L.Column("created", _l("Created"), ("created_at",), L.when("created_at"), sort="created",
             css="nowrap"),
    L.Column("updated", _l("Updated"), ("updated_at",), L.when("updated_at"), css="nowrap"),
)


class ContactListView(ListPageView):
    template_name = "customers/contact_list.html"
    filterset_class = ContactPageFilter
    search_fields = ("last_name", "first_name", "email", "account__name")
    sort_fields = {"name": "last_name", "account": "account__name", "email": "email",
                   "owner": "owner__last_name", "created": "created_at"}
    default_sort = "name"
    columns = CONTACT_COLUMNS
    resource = "contacts"
    extra_columns = CONTACT_EXTRA_COLUMNS

    def get_base_queryset(self):
        return selectors.contact_list(user=self.request.user)


class ContactDetailView(LoginRequiredMixin, TemplateView):
    template_name = "customers/contact_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        contact = selectors.contact_get(user=self.request.user, pk=kwargs["pk"])
        ctx.update(object=contact, contact=contact,
                   can_change=can_change(self.request.user, contact, visibility=PUBLIC))
        return ctx


class ContactCreateView(_FormView):
    form_class = ContactForm
    template_name = "customers/contact_form.html"
    noun = "contact"

    def get_initial(self):
        account_id = self.request.GET.get("account")
        return {"account": account_id} if account_id and account_id.isdigit() else {}

    def save(self, form, instance):
        data = {k: v for k, v in form.cleaned_data.items() if k != "owner"}
        return services.contact_create(actor=self.request.user,
                                       owner=form.cleaned_data.get("owner"), **data)

    def success_message(self, obj):
        return _("Contact “%(name)s” created.") % {"name": obj.full_name}


class ContactUpdateView(_FormView):
    form_class = ContactForm
    template_name = "customers/contact_form.html"
    noun = "contact"

    def get_instance(self):
        contact = selectors.contact_get(user=self.request.user, pk=self.kwargs["pk"])
        check_can_change(self.request.user, contact, visibility=PUBLIC)
        return contact

    def save(self, form, instance):
        return services.contact_update(contact=instance, actor=self.request.user,
                                       **form.cleaned_data)

    def success_message(self, obj):
        return _("Contact “%(name)s” saved.") % {"name": obj.full_name}


class AccountLookupView(LoginRequiredMixin, View):
    """`<option>`s of accounts matching `q`, for LookupSelect widgets."""

    def get(self, request):
        term = (request.GET.get("q") or request.GET.get(
            f"{request.GET.get('field', '')}__lookup") or "").strip()
        accounts = selectors.account_search(request.user, term, 20) if term else []
        options = format_html_join("", '<option value="{}">{}</option>',
                                   ((a.pk, a.name) for a in accounts))
        empty = '<option value="">— choose —</option>' if accounts else (
            '<option value="">No match</option>')
        return HttpResponse(empty + options)
