"""HTML for qualifying leads: the qualify dialog/page and bulk qualify from the lead list."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views import View

from crm.common.errors import DomainError, DuplicateDetected
from crm.common.visibility import check_can_change
from crm.common.widgets import LookupSelect
from crm.customers.models import Account, Contact
from leads import selectors as lead_selectors
from leads.views import selected_leads

from .conversion import lead_qualify


class QualifyForm(forms.Form):
    create_account = forms.BooleanField(label=_l("Create an account from the company"),
                                        required=False, initial=True)
    create_contact = forms.BooleanField(label=_l("Create a contact from the person"),
                                        required=False, initial=True)
    create_opportunity = forms.BooleanField(label=_l("Create an opportunity"), required=False,
                                            initial=True)
    existing_account = forms.ModelChoiceField(
        label=_l("Or link an existing account"), queryset=Account.objects.all(), required=False,
        widget=LookupSelect("account-lookup"))
    existing_contact = forms.ModelChoiceField(
        label=_l("Or link an existing contact"), queryset=Contact.objects.all(), required=False,
        widget=LookupSelect("opportunity-contact-lookup"))
    allow_duplicates = forms.BooleanField(
        label=_l("Create new records even if similar ones exist"), required=False)

    def options(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in (
            "create_account", "create_contact", "create_opportunity", "existing_account",
            "existing_contact", "allow_duplicates")}


class LeadQualifyView(LoginRequiredMixin, View):
    """GET: the qualify page (the detail page opens the same form in a dialog).
    POST: qualify; on matching accounts/contacts show them to link or ignore."""

    template_name = "leads/lead_qualify.html"

    def get_lead(self):
        lead = lead_selectors.lead_get(user=self.request.user, pk=self.kwargs["pk"])
        check_can_change(self.request.user, lead)
        return lead

    def render_page(self, lead, form, candidates=(), status=200):
        return render(self.request, self.template_name, {
            "lead": lead, "object": lead, "form": form, "candidates": list(candidates),
            "account_candidates": [c for c in candidates if c["type"] == "account"],
            "contact_candidates": [c for c in candidates if c["type"] == "contact"],
        }, status=status)

    def get(self, request, pk):
        lead = self.get_lead()
        initial = {"existing_account": lead.existing_account_id,
                   "existing_contact": lead.existing_contact_id}
        return self.render_page(lead, QualifyForm(initial=initial))

    def post(self, request, pk):
        lead = self.get_lead()
        data = request.POST.copy()
        # A candidate picked on the duplicates step links that record.
        for kind in ("account", "contact"):
            picked = data.get(f"link_{kind}", "")
            if picked.isdigit():
                data[f"existing_{kind}"] = picked
        form = QualifyForm(data)
        if not form.is_valid():
            return self.render_page(lead, form, status=400)
        try:
            result = lead_qualify(lead=lead, actor=request.user, **form.options())
        except DuplicateDetected as exc:
            messages.warning(request, exc.message)
            return self.render_page(lead, form, exc.extra.get("candidates", []), status=409)
        except (DomainError, ValidationError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "message", None) or " ".join(
                getattr(exc, "messages", [str(exc)])))
            return self.render_page(lead, form, status=400)
        messages.success(request, _("Lead qualified.") + " " + ", ".join(
            str(x) for x in (
                _("account %(n)s") % {"n": result.account} if result.account else "",
                _("contact %(n)s") % {"n": result.contact} if result.contact else "",
                _("opportunity %(n)s") % {"n": result.opportunity.topic}
                if result.opportunity else "",
            ) if x))
        if result.opportunity is not None:
            return redirect(result.opportunity.get_absolute_url())
        return redirect(result.lead.get_absolute_url())


class LeadBulkQualifyView(LoginRequiredMixin, View):
    """Qualify the leads ticked on the list (each in its own transaction), then show the
    result per lead: created records, or why it was not qualified."""

    def post(self, request):
        leads = selected_leads(request)
        if not leads:
            messages.error(request, _("Select at least one lead."))
            return redirect(request.POST.get("next") or reverse("lead-list"))
        allow = request.POST.get("allow_duplicates") == "on"
        results = []
        for lead in leads:
            try:
                result = lead_qualify(lead=lead, actor=request.user, allow_duplicates=allow)
            except DuplicateDetected as exc:
                names = ", ".join(c["name"] for c in exc.extra.get("candidates", [])[:3])
                results.append({"lead": lead, "ok": False, "code": exc.code, "message": _(
                    "Not qualified: similar records exist (%(names)s). Qualify it from its "
                    "page to link them.") % {"names": names}})
            except (DomainError, ValidationError, PermissionDenied) as exc:
                results.append({"lead": lead, "ok": False, "code": getattr(exc, "code", None),
                                "reason": getattr(exc, "reason", None),
                                "message": getattr(exc, "message", None) or str(exc)})
            else:
                results.append({"lead": lead, "ok": True, "message": _("Qualified"),
                                "opportunity": result.opportunity})
        return render(request, "leads/lead_bulk_result.html", {
            "action": _("Qualify"), "results": results,
            "ok_count": sum(r["ok"] for r in results),
        })
