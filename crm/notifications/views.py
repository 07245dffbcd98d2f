"""HTML: posts on the timeline (create, reply, edit, delete, mention suggestions), the follow
button, the bell, the notifications page and the email preference."""

import re

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from crm.activities import aggregation
from crm.activities.event_types import EventType
from crm.activities.panels import timeline_panel_context
from crm.activities.selectors import record_get
from crm.common.errors import DomainError, error_text
from crm.common.htmx import trigger_record_changed
from crm.common.registries import record_types

from . import selectors, services
from .forms import PostForm, PreferenceForm

PAGE_SIZE = 50
TRAILING_MENTION = re.compile(r"(?:^|[\s(])@([\w.@+-]*)$")


def _error_text(exc) -> str:
    """The body's own errors when the refusal names them (shown under the composer)."""
    fields = getattr(exc, "extra", {}).get("fields") or {}
    if fields.get("body"):
        return " ".join(str(m) for m in fields["body"])
    return error_text(exc)


# --- the timeline ------------------------------------------------------------------------------
def decorate_timeline(*, entries, user, record_type: str, record_id: int) -> None:
    """Attach `entry.post` (with replies) to post entries; hide the events that only feed
    automation (mentions, edits, replies shown under their post). Two queries per page."""
    wanted = {}
    for entry in entries:
        event = entry.event if entry.event_id else None
        if event is None:
            continue
        if event.action in (EventType.MENTIONED, EventType.POST_EDITED):
            entry.timeline_hidden = True
        elif event.action == EventType.POST_CREATED:
            data = event.data or {}
            if data.get("parent_id"):
                entry.timeline_hidden = True
            else:
                wanted[entry] = data.get("post_id")
    if not wanted:
        return
    posts = selectors.thread_posts(ids=[pid for pid in wanted.values() if pid])
    now = timezone.now()
    for entry, post_id in wanted.items():
        post = posts.get(post_id)
        if post is None:
            entry.timeline_hidden = True  # deleted
            continue
        _permissions(post, user, now)
        for reply in post.replies.all():
            _permissions(reply, user, now)
        entry.post = post


def _permissions(post, user, now) -> None:
    post.user_can_edit = services.can_edit(post, user, now)
    post.user_can_delete = services.can_delete(post, user, now)


def _record(request, record_type, record_id):
    if record_type not in record_types:
        raise Http404("Unknown record type.")
    return record_get(user=request.user, record_type=record_type, record_id=record_id)


def _post_record(request, post_id):
    post = selectors.post_get(user=request.user, pk=post_id)
    _rt, record = _record(request, post.record_type, post.record_id)
    return post, record


def _render_thread(request, post):
    post = selectors.thread_posts(ids=[post.root_id])[post.root_id]
    now = timezone.now()
    _permissions(post, request.user, now)
    for reply in post.replies.all():
        _permissions(reply, request.user, now)
    return render(request, "notifications/_post.html", {"post": post})


class PostCreateView(LoginRequiredMixin, View):
    """POST a post from a record's timeline; htmx swaps the panel in place."""

    def post(self, request, record_type, record_id):
        rt, record = _record(request, record_type, record_id)
        form = PostForm(request.POST)
        error = ""
        post = None
        if form.is_valid():
            try:
                post = services.post_create(record=record, actor=request.user,
                                            body=form.cleaned_data["body"])
            except (DomainError, PermissionDenied) as exc:
                error = _error_text(exc)
        else:
            error = " ".join(str(m) for m in form.errors.get("body", [])) or _("Invalid post.")
        if post is not None:
            aggregation.process_items(event_ids=[post.event_id])  # read-your-writes
        if not request.htmx:
            if error:
                messages.error(request, _("The post was not saved: %(error)s") % {
                    "error": error})
            return redirect(f"{record.get_absolute_url()}#timeline-panel")
        ctx = timeline_panel_context(request, record) or {}
        ctx.update(object=record, post_error=error,
                   post_body=request.POST.get("body", "") if error else "")
        response = render(request, "activities/_timeline_panel.html", ctx)
        return trigger_record_changed(response) if post is not None else response


class PostReplyView(LoginRequiredMixin, View):
    def post(self, request, pk):
        parent, record = _post_record(request, pk)
        form = PostForm(request.POST)
        error = ""
        if form.is_valid():
            try:
                reply = services.post_create(record=record, actor=request.user,
                                             body=form.cleaned_data["body"], parent=parent)
                aggregation.process_items(event_ids=[reply.event_id])
            except (DomainError, PermissionDenied) as exc:
                error = _error_text(exc)
        else:
            error = " ".join(str(m) for m in form.errors.get("body", [])) or _("Invalid reply.")
        if not request.htmx:
            if error:
                messages.error(request, _("The reply was not saved: %(error)s") % {
                    "error": error})
            return redirect(f"{record.get_absolute_url()}#post-{parent.root_id}")
        response = _render_thread(request, parent)
        if error:
            response = render(request, "notifications/_post.html", {
                **_thread_context(request, parent), "reply_error": error,
                "reply_body": request.POST.get("body", "")})
        return response


def _thread_context(request, post) -> dict:
    root = selectors.thread_posts(ids=[post.root_id])[post.root_id]
    now = timezone.now()
    _permissions(root, request.user, now)
    for reply in root.replies.all():
        _permissions(reply, request.user, now)
    return {"post": root}


class PostEditView(LoginRequiredMixin, View):
    def get(self, request, pk):
        post, _record_obj = _post_record(request, pk)
        if not services.can_edit(post, request.user):
            raise PermissionDenied(_("Only the author can edit a post, soon after posting."))
        return render(request, "notifications/_post_edit.html", {
            "item": post, "body": post.body})

    def post(self, request, pk):
        post, record = _post_record(request, pk)
        form = PostForm(request.POST)
        error = ""
        if form.is_valid():
            try:
                services.post_update(post=post, actor=request.user,
                                     body=form.cleaned_data["body"])
            except DomainError as exc:
                error = _error_text(exc)
        else:
            error = " ".join(str(m) for m in form.errors.get("body", [])) or _("Invalid post.")
        if not request.htmx:
            if error:
                messages.error(request, error)
            return redirect(f"{record.get_absolute_url()}#post-{post.root_id}")
        if error:
            return render(request, "notifications/_post_edit.html", {
                "item": post, "body": request.POST.get("body", ""), "error": error})
        return _render_thread(request, post)


class PostDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        post, record = _post_record(request, pk)
        services.post_delete(post=post, actor=request.user)
        if not request.htmx:
            messages.success(request, _("Post deleted."))
            return redirect(f"{record.get_absolute_url()}#timeline-panel")
        if post.parent_id:
            return _render_thread(request, post.parent)
        return HttpResponse("")


class MentionSuggestionsView(LoginRequiredMixin, View):
    """htmx: users who may read the record, matching the `@name` being typed at the end of
    `body` (or `q`)."""

    def get(self, request, record_type, record_id):
        rt, record = _record(request, record_type, record_id)
        query = request.GET.get("q")
        if query is None:
            match = TRAILING_MENTION.search(request.GET.get("body", "")[-200:])
            if match is None:
                return HttpResponse("")
            query = match.group(1)
        users = list(selectors.mention_candidates(record_type=rt.name, record=record,
                                                  query=query))
        return render(request, "notifications/_mention_suggestions.html",
                      {"users": users, "query": query})


# --- follow ------------------------------------------------------------------------------------
def follow_panel_context(request, obj):
    try:
        record_type = record_types.for_model(type(obj)).name
    except KeyError:
        return None
    return {"following": selectors.follow_state(user=request.user, record_type=record_type,
                                                record=obj),
            "follow_record_type": record_type, "record": obj}


class FollowView(LoginRequiredMixin, View):
    def post(self, request, record_type, record_id):
        rt, record = _record(request, record_type, record_id)
        following = request.POST.get("follow") == "1"
        services.follow_set(user=request.user, record=record, following=following)
        if not request.htmx:
            messages.success(request, _("You follow this record.") if following
                             else _("You no longer follow this record."))
            return redirect(record.get_absolute_url())
        return render(request, "notifications/_follow.html", {
            "following": following, "follow_record_type": rt.name, "record": record})


# --- notifications -----------------------------------------------------------------------------
class NotificationListView(LoginRequiredMixin, TemplateView):
    template_name = "notifications/notification_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = selectors.notification_list(user=self.request.user).order_by("-id")
        show = self.request.GET.get("show", "")
        if show == "unread":
            qs = qs.filter(read_at__isnull=True)
        before = self.request.GET.get("before", "")
        if before.isdigit() and len(before) <= 18:
            qs = qs.filter(pk__lt=int(before))
        rows = list(qs[: PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        days: list[dict] = []
        for n in rows:
            n.url = services.notification_url(n)
            day = timezone.localdate(n.created_at)
            if not days or days[-1]["day"] != day:
                days.append({"day": day, "items": []})
            days[-1]["items"].append(n)
        ctx.update(days=days, show=show, has_unread=any(not n.is_read for n in rows),
                   next_before=rows[-1].pk if more and rows else None,
                   today=timezone.localdate())
        return ctx


class NotificationOpenView(LoginRequiredMixin, View):
    """Follow a notification: mark it read and go to the record (and the post)."""

    def get(self, request, pk):
        notification = selectors.notification_list(user=request.user).filter(pk=pk).first()
        if notification is None:
            raise Http404("No such notification.")
        services.notification_mark_read(notification=notification, user=request.user)
        url = services.notification_url(notification)
        return redirect(url or reverse("notification-list"))


class NotificationReadView(LoginRequiredMixin, View):
    def post(self, request, pk):
        notification = selectors.notification_list(user=request.user).filter(pk=pk).first()
        if notification is None:
            raise Http404("No such notification.")
        services.notification_mark_read(notification=notification, user=request.user)
        if request.htmx:
            notification.url = services.notification_url(notification)
            response = render(request, "notifications/_notification.html",
                              {"n": notification})
            response["HX-Trigger"] = "notifications-changed"
            return response
        next_url = request.POST.get("next", "")
        return redirect(next_url if _safe(next_url) else reverse("notification-list"))


def _safe(url) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


class NotificationReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.notification_mark_all_read(user=request.user)
        messages.success(request, _("%(count)s notification(s) marked as read.") % {
            "count": count})
        return redirect(reverse("notification-list"))


class BellView(LoginRequiredMixin, View):
    """htmx: the bell with the unread count (one count query, then cached)."""

    def get(self, request):
        count = services.cached_unread_count(request.user)
        if count is None:
            count = services.remember_unread_count(request.user)
        return render(request, "notifications/_bell.html", {"unread": count, "loaded": True})


class PreferenceView(LoginRequiredMixin, View):
    def post(self, request):
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.preference_set(user=request.user,
                                    email_delivery=form.cleaned_data["email_delivery"])
            messages.success(request, _("Notification preference saved."))
        else:
            messages.error(request, _("Choose how to be emailed about notifications."))
        return redirect(reverse("profile") + "#notification-preferences")
