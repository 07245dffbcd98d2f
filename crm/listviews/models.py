"""Saved list views (PROCESS.md, "Views and charts a user can shape").

A view is what a list page shows: its filters (the list's query parameters), its sort and its
columns (keys of the page's `crm.common.listing.Column`s, in order). A view is its owner's; a
manager may share it with their team, an admin with everyone. Each user may pick one default
view per list: a saved view or a system view (`crm.listviews.resources`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.common.models import BaseModel


class SharedWith(models.TextChoices):
    PRIVATE = "private", _("Only me")
    TEAM = "team", _("My team")
    EVERYONE = "everyone", _("Everyone")


class SavedView(BaseModel):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.CASCADE, related_name="saved_views")
    resource = models.CharField(_("list"), max_length=30)
    name = models.CharField(_("name"), max_length=80)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    ordering = models.CharField(_("sort"), max_length=60, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    shared_with = models.CharField(_("shared with"), max_length=10, choices=SharedWith.choices,
                                   default=SharedWith.PRIVATE)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner", "resource"], name="listview_owner_res"),
                   models.Index(fields=["resource", "shared_with"], name="listview_res_shared")]

    def __str__(self):
        return self.name


class DefaultView(models.Model):
    """The view a list opens with when its URL has no parameters: a saved view or a system
    view's key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="default_views")
    resource = models.CharField(max_length=30)
    saved_view = models.ForeignKey(SavedView, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+")
    system_key = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "resource"],
                                               name="listview_one_default_per_list")]


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def export_upload_to(instance: "ExportJob", filename: str) -> str:
    # The token keeps the name unguessable; it is the job's, so a retried job overwrites its
    # own file instead of leaving a second one.
    return f"exports/{instance.pk}-{instance.token}/{filename}"


class ExportJob(models.Model):
    """A list export too large to stream inside a web request (crm.listviews.jobs): the list,
    its query as the page applied it (filters, sort, chosen columns; a saved or default view
    already resolved), the format, and the file a Celery worker wrote. Only its owner sees it;
    the file is deleted `CRM_EXPORT_KEEP_DAYS` after it was made."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.CASCADE, related_name="export_jobs")
    resource = models.CharField(_("list"), max_length=30)
    query = models.TextField(_("query"), blank=True)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    # The language and time zone of the request that asked for it: labels, dates and numbers
    # read as on the page.
    language = models.CharField(max_length=10, blank=True)
    time_zone = models.CharField(max_length=63, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices,
                              default=ExportStatus.QUEUED)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    token = models.CharField(max_length=32, editable=False)
    filename = models.CharField(_("file name"), max_length=120)
    file = models.FileField(upload_to=export_upload_to, blank=True, max_length=300)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at", "-id"], name="export_owner_idx"),
                   models.Index(fields=["expires_at"], name="export_expires_idx")]

    def __str__(self) -> str:
        return self.filename
