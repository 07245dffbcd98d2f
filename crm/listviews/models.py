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
