"""Leads: the people and companies that might buy, before they are qualified.

The link to the opportunity created on qualify is stored as a plain `qualifying_opportunity_id`
(no foreign key): `leads` must never import `opportunities` (imports flow crm <- leads <-
opportunities), and the opportunity's own `originating_lead` foreign key is the enforced link in
the other direction. `Lead.qualifying_opportunity` resolves it lazily through the app registry.
"""

import secrets
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from crm.common.db import TrigramIndex
from crm.common.fsm import StateMachineMixin
from crm.common.models import ActivityRollupFields, AddressFields, BaseModel
from crm.customers.models import Industry

from .keys import company_key, email_domain, email_key, name_key, phone_key


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED)
CLOSED_STATUSES = (LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED)


class DisqualifyReason(models.TextChoices):
    LOST = "lost", _("Lost")
    CANNOT_CONTACT = "cannot_contact", _("Cannot contact")
    NO_LONGER_INTERESTED = "no_longer_interested", _("No longer interested")
    CANCELED = "canceled", _("Canceled")


class LeadSource(models.TextChoices):
    ADVERTISEMENT = "advertisement", _("Advertisement")
    EMPLOYEE_REFERRAL = "employee_referral", _("Employee referral")
    EXTERNAL_REFERRAL = "external_referral", _("External referral")
    PARTNER = "partner", _("Partner")
    PUBLIC_RELATIONS = "public_relations", _("Public relations")
    SEMINAR = "seminar", _("Seminar")
    TRADE_SHOW = "trade_show", _("Trade show")
    WEB = "web", _("Web")
    WORD_OF_MOUTH = "word_of_mouth", _("Word of mouth")
    BUSINESS_CARD = "business_card", _("Business card")
    EMAIL = "email", _("Email")
    OTHER = "other", _("Other")


class Rating(models.TextChoices):
    HOT = "hot", _("Hot")
    WARM = "warm", _("Warm")
    COLD = "cold", _("Cold")


class BudgetStatus(models.TextChoices):
    NO_COMMITTED_BUDGET = "no_committed_budget", _("No committed budget")
    MAY_BUY = "may_buy", _("May buy")
    CAN_BUY = "can_buy", _("Can buy")
    WILL_BUY = "will_buy", _("Will buy")


class PurchaseTimeframe(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate")
    THIS_QUARTER = "this_quarter", _("This quarter")
    NEXT_QUARTER = "next_quarter", _("Next quarter")
    THIS_YEAR = "this_year", _("This year")
    UNKNOWN = "unknown", _("Unknown")


class PurchaseProcess(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COMMITTEE = "committee", _("Committee")
    UNKNOWN = "unknown", _("Unknown")


class Need(models.TextChoices):
    MUST_HAVE = "must_have", _("Must have")
    SHOULD_HAVE = "should_have", _("Should have")
    GOOD_TO_HAVE = "good_to_have", _("Good to have")
    NO_NEED = "no_need", _("No need")


def _money(verbose):
    return models.DecimalField(verbose, max_digits=18, decimal_places=2, null=True, blank=True)


class Lead(StateMachineMixin, ActivityRollupFields, AddressFields, BaseModel):
    topic = models.CharField(_("topic"), max_length=300)
    salutation = models.CharField(_("salutation"), max_length=20, blank=True)
    first_name = models.CharField(_("first name"), max_length=80, blank=True)
    last_name = models.CharField(_("last name"), max_length=80, blank=True)
    company = models.CharField(_("company"), max_length=160, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    email = models.EmailField(_("email"), blank=True)
    email2 = models.EmailField(_("email 2"), blank=True)
    business_phone = models.CharField(_("business phone"), max_length=50, blank=True)
    mobile_phone = models.CharField(_("mobile phone"), max_length=50, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)

    source = models.CharField(_("source"), max_length=30, choices=LeadSource.choices,
                              blank=True)
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices,
                                blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = _money(_("annual revenue"))

    budget_amount = _money(_("budget amount"))
    budget_status = models.CharField(_("budget"), max_length=30, choices=BudgetStatus.choices,
                                     blank=True)
    purchase_timeframe = models.CharField(_("purchase timeframe"), max_length=20,
                                          choices=PurchaseTimeframe.choices, blank=True)
    purchase_process = models.CharField(_("purchase process"), max_length=20,
                                        choices=PurchaseProcess.choices, blank=True)
    need = models.CharField(_("need"), max_length=20, choices=Need.choices, blank=True)
    decision_maker = models.BooleanField(_("decision maker identified"), default=False)
    description = models.TextField(_("description"), blank=True)
    qualification_comments = models.TextField(_("qualification comments"), blank=True)
    estimated_value = _money(_("estimated value"))
    estimated_close_date = models.DateField(_("estimated close date"), null=True, blank=True)

    existing_account = models.ForeignKey(
        "customers.Account", verbose_name=_("existing account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="leads", db_index=False,
    )
    existing_contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("existing contact"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="leads", db_index=False,
    )
    # Indexed by lead_owner_status_idx (owner first); no separate single-column index.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
        related_name="leads", db_index=False,
    )

    status = FSMField(_("status"), max_length=20, choices=LeadStatus.choices,
                      default=LeadStatus.NEW, protected=True)
    status_reason = models.CharField(_("status reason"), max_length=30,
                                     choices=DisqualifyReason.choices, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set on qualify by opportunities.conversion; see the module docstring.
    qualifying_opportunity_id = models.BigIntegerField(null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_leads",
        editable=False, db_index=False,
    )
    import_job = models.ForeignKey(
        "leads.LeadImport", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="leads", editable=False, db_index=False,  # every index slows imports
    )
    # Content hash of an imported row (with the owner): a re-run of a file skips what it
    # already imported. Null (not unique-checked) for leads not created by an import.
    import_key = models.CharField(max_length=40, null=True, blank=True, editable=False)

    # Normalised keys for duplicate detection and index-friendly search, kept by save().
    name_key = models.CharField(max_length=170, blank=True, editable=False)
    company_key = models.CharField(max_length=160, blank=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    email_domain = models.CharField(max_length=254, blank=True, editable=False)
    phone_key = models.CharField(max_length=30, blank=True, editable=False)
    mobile_key = models.CharField(max_length=30, blank=True, editable=False)

    KEY_SOURCES = {"first_name", "last_name", "company", "email", "business_phone",
                   "mobile_phone", "country"}
    KEY_FIELDS = ["name_key", "company_key", "email_key", "email_domain", "phone_key",
                  "mobile_key"]

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="lead_status_created_idx"),
            models.Index(fields=["owner", "status", "-created_at", "-id"],
                         name="lead_owner_status_idx"),
            # "My open leads", the default view: `status IN (new, contacted)` makes the index
            # above yield two sorted runs that PostgreSQL sorts (~5,000 entries per seller at
            # scale 1); this one is walked in order and stops after a page.
            models.Index(fields=["owner", "-created_at", "-id"], name="lead_owner_open_idx",
                         condition=Q(status__in=["new", "contacted"])),
            models.Index(fields=["last_name", "first_name", "id"], name="lead_name_idx"),
            models.Index(fields=["company_key", "id"], name="lead_company_idx"),
            # Source and rating filters keep no index of their own: each value covers a large
            # share of the leads, so walking lead_created_idx finds a page at once (EXPLAIN
            # picks it even when a (rating, created_at) index exists); an index would only
            # slow imports down.
            models.Index(fields=["estimated_value", "id"], name="lead_value_idx"),
            models.Index(fields=["estimated_close_date", "id"], name="lead_close_date_idx"),
            models.Index(fields=["email_key"], name="lead_email_key_idx"),
            models.Index(fields=["phone_key"], name="lead_phone_key_idx"),
            models.Index(fields=["mobile_key"], name="lead_mobile_key_idx"),
            models.Index(fields=["email_domain"], name="lead_email_domain_idx"),
            # Similar-name duplicates (trigram similarity on name_key) and the list/global
            # search (`LIKE '%term%'` on the name and company keys).
            TrigramIndex(fields=["name_key"], name="lead_name_key_trgm"),
            TrigramIndex(fields=["company_key"], name="lead_company_key_trgm"),
            models.Index(fields=["qualifying_opportunity_id"], name="lead_qual_opp_idx",
                         condition=Q(qualifying_opportunity_id__isnull=False)),
            # Mostly-empty links: partial indexes keep them small and imports fast.
            models.Index(fields=["existing_account"], name="lead_existing_account_idx",
                         condition=Q(existing_account__isnull=False)),
            models.Index(fields=["existing_contact"], name="lead_existing_contact_idx",
                         condition=Q(existing_contact__isnull=False)),
            models.Index(fields=["merged_into"], name="lead_merged_into_idx",
                         condition=Q(merged_into__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["import_key"], name="lead_import_key_unique"),
            models.CheckConstraint(condition=~Q(topic=""), name="lead_topic_required"),
            models.CheckConstraint(condition=~Q(last_name="") | ~Q(company=""),
                                   name="lead_name_or_company_required"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in [self.first_name, self.last_name] if p)

    @property
    def display_name(self) -> str:
        name = self.full_name
        if name and self.company:
            return f"{name} ({self.company})"
        return name or self.company or self.topic

    def get_absolute_url(self):
        return reverse("lead-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def qualifying_opportunity(self):
        """The opportunity created when the lead was qualified (resolved lazily, see top)."""
        if self.qualifying_opportunity_id is None:
            return None
        model = apps.get_model("opportunities", "Opportunity")
        return model.objects.filter(pk=self.qualifying_opportunity_id).first()

    @property
    def qualifying_opportunity_url(self) -> str:
        if self.qualifying_opportunity_id is None:
            return ""
        try:
            return reverse("opportunity-detail", args=[self.qualifying_opportunity_id])
        except NoReverseMatch:
            return ""

    def refresh_keys(self) -> None:
        self.name_key = name_key(self.first_name, self.last_name)
        self.company_key = company_key(self.company)
        self.email_key = email_key(self.email)
        self.email_domain = email_domain(self.email)
        # E.164, national numbers read in the lead's country (else CRM_DEFAULT_PHONE_REGION).
        self.phone_key = phone_key(self.business_phone, self.country)
        self.mobile_key = phone_key(self.mobile_phone, self.country)

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or self.KEY_SOURCES & set(update_fields):
            self.refresh_keys()
            if update_fields is not None:
                kwargs["update_fields"] = set(update_fields) | set(self.KEY_FIELDS)
        super().save(*args, **kwargs)

    # --- the state machine (in-memory changes only; services save and record events) ---
    def _stamp(self):
        self.status_changed_at = timezone.now()

    @transition(field=status, source=LeadStatus.NEW, target=LeadStatus.CONTACTED)
    def mark_contacted(self):
        self._stamp()

    @transition(field=status, source=list(OPEN_STATUSES), target=LeadStatus.QUALIFIED)
    def qualify(self):
        self.status_reason = ""
        self._stamp()

    @transition(field=status, source=list(OPEN_STATUSES), target=LeadStatus.DISQUALIFIED,
                conditions=[lambda lead: lead.qualifying_opportunity_id is None])
    def disqualify(self, reason):
        self.status_reason = reason
        self._stamp()

    @transition(field=status, source=list(CLOSED_STATUSES), target=LeadStatus.NEW)
    def reactivate(self):
        self.status_reason = ""
        self._stamp()


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Waiting for column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DuplicatePolicy(models.TextChoices):
    SKIP = "skip", _("Skip rows that look like existing leads")
    IMPORT = "import", _("Import them anyway")


def _import_upload_to(instance, filename):
    return f"lead_imports/{timezone.now():%Y/%m}/{secrets.token_hex(8)}.csv"


class LeadImport(models.Model):
    """One CSV file being imported: its column mapping, settings and progress."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="lead_imports")
    file = models.FileField(upload_to=_import_upload_to)
    file_name = models.CharField(max_length=255)
    encoding = models.CharField(max_length=20, default="utf-8")
    delimiter = models.CharField(max_length=1, default=",")
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)  # header -> lead field name ("" = ignore)
    duplicate_policy = models.CharField(max_length=10, choices=DuplicatePolicy.choices,
                                        default=DuplicatePolicy.SKIP)
    default_source = models.CharField(max_length=30, choices=LeadSource.choices, blank=True)
    default_topic = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.MAPPING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    already_imported_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="leadimport_owner_idx")]

    def __str__(self):
        return self.file_name

    def get_absolute_url(self):
        return reverse("lead-import-detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, int(self.processed * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def rows_per_second(self) -> int | None:
        if not (self.started_at and self.finished_at):
            return None
        seconds = (self.finished_at - self.started_at).total_seconds()
        return int(self.processed / seconds) if seconds > 0 else None


class LeadImportIssue(models.Model):
    """A row of an import that was not imported (error or skipped duplicate), for the report."""

    class Kind(models.TextChoices):
        ERROR = "error", _("Error")
        DUPLICATE = "duplicate", _("Duplicate skipped")

    job = models.ForeignKey(LeadImport, on_delete=models.CASCADE, related_name="issues")
    row_number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    message = models.TextField()
    values = models.JSONField(default=list)

    class Meta:
        ordering = ["job", "row_number", "id"]
        indexes = [models.Index(fields=["job", "row_number"], name="leadimportissue_job_idx")]


class ImportMapping(models.Model):
    """The column mapping last used for a set of CSV headers, offered again next time."""

    header_key = models.CharField(max_length=64, unique=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)


def _new_form_token() -> str:
    return secrets.token_urlsafe(24)


class WebForm(models.Model):
    """A website form allowed to post leads (web-to-lead); its token identifies it."""

    name = models.CharField(_("name"), max_length=120)
    token = models.CharField(max_length=64, unique=True, default=_new_form_token, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("leads go to"),
                              on_delete=models.PROTECT, related_name="web_forms")
    default_topic = models.CharField(_("default topic"), max_length=300,
                                     default="Website enquiry")
    redirect_url = models.URLField(_("thank-you page"), blank=True,
                                   help_text=_("Where the visitor goes after sending the form."))
    is_active = models.BooleanField(_("active"), default=True)
    rate_limit_per_hour = models.PositiveIntegerField(
        _("max. leads per hour"), default=200,
        help_text=_("Posts above this (per form) are refused with 429."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_post_url(self):
        return reverse("web-to-lead", args=[self.token])
