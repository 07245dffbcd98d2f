"""HTML for sending: email templates (list/create/edit/delete), compose on a record's timeline
(htmx, works without it too), retry, thread expansion, message bodies and attachments."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crm.activities import aggregation
from crm.activities.panels import timeline_panel_context
from crm.activities.selectors import parse_record_ref, record_get
from crm.common.errors import DomainError
from crm.common.views import ListPageView
from crm.common.visibility import is_admin

from . import display, merge, sending
from .models import EmailAttachment, EmailMessage, EmailStatus, EmailTemplate

SAFE_INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


# --- email templates ----------------------------------------------------------------------------
class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["name", "subject", "body", "shared"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        help_texts = {"body": gettext_lazy(
            "Merge fields fill in the record's values: {{ contact.first_name }}, "
            "{{ account.name }}, {{ opportunity.name }}, {{ quote.number }}, "
            "{{ invoice.number }}, {{ lead.first_name }}, {{ user.first_name }}.")}

    def clean(self):
        data = super().clean()
        # Catch what no record could ever fill (a typo in a variable name, a tag) now.
        errors = template_syntax_errors(data.get("subject", ""), data.get("body", ""))
        for name, msgs in errors.items():
            self.add_error(name, msgs)
        return data


def template_syntax_errors(subject: str, body: str) -> dict:
    """Errors a template has whatever the record: unreadable syntax, fields no record has."""
    context = merge.schema_context()
    errors: dict[str, list] = {}
    for name, source in (("subject", subject), ("body", body)):
        try:
            merge.render_text(source or "", context, field=name)
        except merge.MergeError as exc:
            errors.update(exc.message_dict)
    return errors


def _fields_help() -> list[tuple[str, list[str]]]:
    return [(name, sorted(values)) for name, values in merge.schema_context().items()]


def _template_or_404(user, pk, *, change=False) -> EmailTemplate:
    template = sending.template_list(user=user).filter(pk=pk).first()
    if template is None:
        raise Http404("No such template.")
    if change and template.owner_id != user.pk and not is_admin(user):
        raise PermissionDenied(_("Only the template's owner or an admin can change it."))
    return template


class EmailTemplateListView(ListPageView):
    template_name = "mail/emailtemplate_list.html"
    search_fields = ("name", "subject")
    sort_fields = {"name": "name", "updated": "updated_at"}
    default_sort = "name"

    def get_base_queryset(self):
        return sending.template_list(user=self.request.user)


class EmailTemplateCreateView(LoginRequiredMixin, View):
    template_name = "mail/emailtemplate_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": EmailTemplateForm(),
                                                    "merge_fields": _fields_help()})

    def post(self, request):
        form = EmailTemplateForm(request.POST)
        if form.is_valid():
            template = sending.email_template_save(actor=request.user, data=form.cleaned_data)
            messages.success(request, _("Template “%(n)s” saved.") % {"n": template.name})
            return redirect("emailtemplate-list")
        return render(request, self.template_name, {"form": form,
                                                    "merge_fields": _fields_help()}, status=400)


class EmailTemplateUpdateView(LoginRequiredMixin, View):
    template_name = "mail/emailtemplate_form.html"

    def get(self, request, pk):
        template = _template_or_404(request.user, pk, change=True)
        return render(request, self.template_name,
                      {"form": EmailTemplateForm(instance=template), "object": template,
                       "merge_fields": _fields_help()})

    def post(self, request, pk):
        template = _template_or_404(request.user, pk, change=True)
        form = EmailTemplateForm(request.POST, instance=EmailTemplate.objects.get(pk=pk))
        if form.is_valid():
            template = sending.email_template_save(actor=request.user, template=template,
                                                   data=form.cleaned_data)
            messages.success(request, _("Template “%(n)s” saved.") % {"n": template.name})
            return redirect("emailtemplate-list")
        return render(request, self.template_name, {"form": form, "object": template,
                                                    "merge_fields": _fields_help()}, status=400)


class EmailTemplateDeleteView(LoginRequiredMixin, View):
    def get(self, request, pk):
        template = _template_or_404(request.user, pk, change=True)
        return render(request, "mail/emailtemplate_confirm_delete.html", {"object": template})

    def post(self, request, pk):
        template = _template_or_404(request.user, pk, change=True)
        sending.email_template_delete(actor=request.user, template=template)
        messages.success(request, _("Template “%(n)s” deleted.") % {"n": template.name})
        return redirect("emailtemplate-list")


# --- compose ------------------------------------------------------------------------------------
class ComposeForm(forms.Form):
    to = forms.CharField(label=gettext_lazy("To"), max_length=4000,
                         help_text=gettext_lazy("Separate several addresses with commas."))
    cc = forms.CharField(label=gettext_lazy("Cc"), max_length=4000, required=False)
    template = forms.TypedChoiceField(label=gettext_lazy("Template"), required=False,
                                      coerce=int, empty_value=None)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=500)
    body = forms.CharField(label=gettext_lazy("Message"), widget=forms.Textarea(
        attrs={"rows": 8}))
    attach = forms.MultipleChoiceField(label=gettext_lazy("Attach PDF"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
    reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, record_type, record, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefix = "mail"
        templates = list(sending.template_list(user=user).values_list("pk", "name"))
        self.fields["template"].choices = [("", _("— none —")), *templates]
        self.fields["attach"].choices = sending.attachment_choices(
            user=user, record_type=record_type, record=record)
        if not self.fields["attach"].choices:
            del self.fields["attach"]
        for name in ("to", "cc", "subject"):
            self.fields[name].widget.attrs.setdefault("autocomplete", "off")
        self.fields["to"].widget.attrs["inputmode"] = "email"
        self.fields["cc"].widget.attrs["inputmode"] = "email"


def _record(request, record_type, record_id):
    rt, record = record_get(user=request.user, record_type=record_type, record_id=record_id)
    return rt.name, record


def _reply_parent(request, value) -> EmailMessage | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return display.readable_messages(request.user).filter(pk=pk).first()


def _initial(request, record_type, record) -> dict:
    initial = {"to": ", ".join(sending.default_recipients(record)),
               "idempotency_key": uuid.uuid4().hex}
    parent = _reply_parent(request, request.GET.get("reply_to"))
    if parent is not None:
        address = (parent.from_address if parent.direction == "incoming"
                   else ", ".join(parent.to))
        subject = parent.subject
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        initial.update(to=address, subject=subject, reply_to=parent.pk)
    template = request.GET.get("mail-template") or request.GET.get("template")
    if template:
        initial.update(_merged_template(request, record, template))
    return initial


def _merged_template(request, record, template_id) -> dict:
    try:
        chosen = sending.template_list(user=request.user).filter(pk=int(template_id)).first()
    except (TypeError, ValueError):
        chosen = None
    if chosen is None:
        return {}
    rendered = sending.merge_for(actor=request.user, record=record, subject=chosen.subject,
                                 body=chosen.body)
    return {"template": chosen.pk, "subject": rendered.subject, "body": rendered.body}


def _compose_context(request, record_type, record, form, **extra) -> dict:
    return {"form": form, "record_type": record_type, "record": record,
            "record_url": record.get_absolute_url(), **extra}


class ComposeView(LoginRequiredMixin, View):
    """GET: the compose form (htmx: the fragment; else a page). POST: send."""

    def get(self, request, record_type, record_id):
        record_type, record = _record(request, record_type, record_id)
        merge_error = None
        try:
            initial = _initial(request, record_type, record)
        except ValidationError as exc:
            initial = {"to": ", ".join(sending.default_recipients(record)),
                       "idempotency_key": uuid.uuid4().hex}
            merge_error = "; ".join(m for msgs in exc.message_dict.values() for m in msgs)
        form = ComposeForm(initial=initial, user=request.user, record_type=record_type,
                           record=record)
        ctx = _compose_context(request, record_type, record, form, merge_error=merge_error)
        template = "mail/_compose.html" if request.htmx else "mail/compose_page.html"
        return render(request, template, ctx)

    def post(self, request, record_type, record_id):
        record_type, record = _record(request, record_type, record_id)
        form = ComposeForm(request.POST, user=request.user, record_type=record_type,
                           record=record)
        message = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                message = sending.email_send(
                    actor=request.user, regarding_type=record_type, regarding_id=record.pk,
                    to=data["to"], cc=data["cc"], subject=data["subject"], body=data["body"],
                    attach=data.get("attach") or (),
                    idempotency_key=data.get("idempotency_key") or None,
                    reply_to=_reply_parent(request, data.get("reply_to")),
                )
            except ValidationError as exc:
                for name, msgs in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, msgs)
            except (PermissionDenied, DomainError, Http404) as exc:
                form.add_error(None, getattr(exc, "message", None) or str(exc))
        if message is None:
            # 200, not 4xx: htmx swaps only successful responses and the form keeps its input.
            ctx = _compose_context(request, record_type, record, form)
            template = "mail/_compose.html" if request.htmx else "mail/compose_page.html"
            return render(request, template, ctx)
        message = EmailMessage.objects.get(pk=message.pk)
        if message.activity_id:
            aggregation.process_items(activity_ids=[message.activity_id])  # read-your-writes
        if message.status == EmailStatus.FAILED:
            note = _("The email “%(s)s” was not sent: %(e)s") % {"s": message.subject,
                                                                  "e": message.error}
        elif message.status == EmailStatus.SENT:
            note = _("Email “%(s)s” sent.") % {"s": message.subject}
        else:
            note = _("Email “%(s)s” is being sent.") % {"s": message.subject}
        if not request.htmx:
            (messages.error if message.status == EmailStatus.FAILED else messages.success)(
                request, note)
            return redirect(record.get_absolute_url())
        record = type(record)._default_manager.get(pk=record.pk)
        ctx = timeline_panel_context(request, record)
        ctx.update(object=record, mail_note=note,
                   mail_failed=message.status == EmailStatus.FAILED)
        response = render(request, "activities/_timeline_panel.html", ctx)
        response["HX-Retarget"] = "#timeline-panel"
        response["HX-Reswap"] = "outerHTML"
        return response


class ComposeTemplateView(LoginRequiredMixin, View):
    """htmx: the subject and body filled from the chosen template with the record's values."""

    def get(self, request, record_type, record_id):
        record_type, record = _record(request, record_type, record_id)
        data = {name: request.GET.get(f"mail-{name}", "") for name in ("subject", "body")}
        merge_error = None
        try:
            data.update(_merged_template(request, record, request.GET.get("mail-template")))
        except ValidationError as exc:
            merge_error = "; ".join(m for msgs in exc.message_dict.values() for m in msgs)
        form = ComposeForm(initial=data, user=request.user, record_type=record_type,
                           record=record)
        return render(request, "mail/_compose.html", _compose_context(
            request, record_type, record, form, fields_only=True, merge_error=merge_error))


class ComposePreviewView(LoginRequiredMixin, View):
    """htmx: the message as the recipient will read it (merge fields filled)."""

    def post(self, request, record_type, record_id):
        record_type, record = _record(request, record_type, record_id)
        subject = request.POST.get("mail-subject", "")
        body = request.POST.get("mail-body", "")
        try:
            rendered = sending.merge_for(actor=request.user, record=record, subject=subject,
                                         body=body)
        except ValidationError as exc:
            return render(request, "mail/_compose.html", {
                "preview_only": True,
                "preview_error": "; ".join(m for msgs in exc.message_dict.values()
                                           for m in msgs)})
        return render(request, "mail/_compose.html", {
            "preview_only": True, "preview": rendered,
            "preview_body": display.plain_text_html(rendered.body)})


# --- messages on the timeline -------------------------------------------------------------------
def _message_or_404(user, pk) -> EmailMessage:
    message = display.readable_messages(user).filter(pk=pk).first()
    if message is None:
        raise Http404("No such email.")
    return message


def _record_ref(request) -> tuple[str, int | None]:
    record_type, record_id = parse_record_ref(request.GET.get("record")
                                              or request.POST.get("record") or "")
    try:
        return record_type, int(record_id)
    except (TypeError, ValueError):
        return "", None


class MessageRetryView(LoginRequiredMixin, View):
    def post(self, request, pk):
        message = _message_or_404(request.user, pk)
        try:
            with transaction.atomic():
                sending.email_retry(message=message, actor=request.user)
        except DomainError as exc:
            if request.htmx:
                return HttpResponse(exc.message, status=409)
            messages.error(request, exc.message)
        message = EmailMessage.objects.get(pk=pk)
        if request.htmx:
            view = display.MessageView(message=message, record_ref=request.POST.get("record", ""),
                                       attachments=list(message.attachments.all()))
            return render(request, "mail/_thread.html", {"item": view})
        if message.status == EmailStatus.FAILED:
            messages.error(request, _("Not sent: %(e)s") % {"e": message.error})
        else:
            messages.success(request, _("Email “%(s)s” sent.") % {"s": message.subject})
        regarding = message.activity.regarding if message.activity_id else None
        return redirect(regarding.get_absolute_url() if regarding else reverse("home"))


class ThreadView(LoginRequiredMixin, View):
    """htmx: a thread expanded (every message the reader may read), or collapsed again."""

    def get(self, request, pk):
        record_type, record_id = _record_ref(request)
        views = display.thread_views(user=request.user, thread_id=pk, record_type=record_type,
                                     record_id=record_id)
        if not views:
            raise Http404("No such thread.")
        if request.GET.get("collapse"):
            latest = views[-1]
            latest.count = len(views)
            return render(request, "mail/_thread.html", {"item": latest})
        return render(request, "mail/_thread.html", {"thread": views, "item": views[-1],
                                                     "expanded": True})


class MessageBodyView(LoginRequiredMixin, View):
    """One message on its own page, or (htmx) its body again.

    Remote images: the site's Content-Security-Policy allows images from this origin only, so
    a message whose reader chose "Show remote images" is shown on its own page, and only that
    response's policy lets images come from elsewhere (scripts stay refused).
    """

    def get(self, request, pk):
        message = _message_or_404(request.user, pk)
        allow_images = bool(request.GET.get("images"))
        view = display.MessageView(message=message, allow_images=allow_images,
                                   record_ref=request.GET.get("record", ""),
                                   attachments=list(message.attachments.all()))
        if request.htmx:
            return render(request, "mail/_thread.html", {"item": view, "body_only": True})
        regarding = message.activity.regarding if message.activity_id else None
        response = render(request, "mail/message_page.html", {
            "item": view, "record": regarding,
            "record_url": regarding.get_absolute_url() if regarding else "",
        })
        if allow_images:
            response._csp_update = {"img-src": ["https:", "http:"]}
        return response


class AttachmentView(LoginRequiredMixin, View):
    """A stored attachment, for whoever may read its message (404 for anyone else)."""

    def get(self, request, pk):
        attachment = EmailAttachment.objects.filter(
            pk=pk, message__in=display.readable_messages(request.user).values("pk")).first()
        if attachment is None or not attachment.file:
            raise Http404("No such attachment.")
        content_type = (attachment.content_type or "application/octet-stream").lower()
        inline = bool(request.GET.get("inline")) and content_type in SAFE_INLINE_TYPES
        response = FileResponse(attachment.file.open("rb"), as_attachment=not inline,
                                filename=attachment.filename or f"attachment-{attachment.pk}",
                                content_type=content_type if inline else None)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
