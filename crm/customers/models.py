from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.common import matching
from crm.common.db import TrigramIndex
from crm.common.models import ActivityRollupFields, AddressFields, BaseModel


class Industry(models.TextChoices):
    ACCOUNTING = "accounting", _("Accounting")
    AGRICULTURE = "agriculture", _("Agriculture")
    CONSTRUCTION = "construction", _("Construction")
    CONSULTING = "consulting", _("Consulting")
    EDUCATION = "education", _("Education")
    FINANCE = "finance", _("Financial services")
    HEALTHCARE = "healthcare", _("Healthcare")
    HOSPITALITY = "hospitality", _("Hospitality")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    MEDIA = "media", _("Media")
    PUBLIC_SECTOR = "public_sector", _("Public sector")
    RETAIL = "retail", _("Retail")
    TECHNOLOGY = "technology", _("Technology")
    TRANSPORT = "transport", _("Transport and logistics")
    UTILITIES = "utilities", _("Utilities")
    OTHER = "other", _("Other")


class Account(ActivityRollupFields, AddressFields, BaseModel):
    name = models.CharField(_("name"), max_length=160)
    account_number = models.CharField(_("account number"), max_length=40, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    # Shipping address (the billing address is the AddressFields on the record itself).
    ship_street = models.CharField(_("shipping street"), max_length=200, blank=True)
    ship_city = models.CharField(_("shipping city"), max_length=100, blank=True)
    ship_state = models.CharField(_("shipping state/province"), max_length=100, blank=True)
    ship_postal_code = models.CharField(_("shipping postal code"), max_length=20, blank=True)
    ship_country = models.CharField(_("shipping country"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="children",
    )
    primary_contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("primary contact"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
        related_name="accounts",
    )
    # The name without legal forms ("Contoso, Ltd." -> "contoso"), kept by save(): qualify
    # finds the lead's company by it (crm.common.matching.company_key).
    company_key = models.CharField(max_length=160, blank=True, editable=False)

    KEY_SOURCES = {"name"}
    KEY_FIELDS = ["company_key"]

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name", "id"], name="account_name_idx"),
            models.Index(fields=["company_key"], name="account_company_key_idx",
                         condition=~models.Q(company_key="")),
            TrigramIndex(fields=["name"], name="account_name_trgm"),  # search: LIKE '%x%'
            models.Index(Lower("name"), name="account_lower_name_idx"),
            models.Index(fields=["owner", "name"], name="account_owner_name_idx"),
            models.Index(fields=["-created_at", "-id"], name="account_created_idx"),
            models.Index(Lower("email"), name="account_lower_email_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("account-detail", args=[self.pk])

    def refresh_keys(self) -> None:
        self.company_key = matching.company_key(self.name)

    def save(self, *args, **kwargs):
        _refresh_keys(self, kwargs)
        super().save(*args, **kwargs)

    @property
    def shipping_address_lines(self) -> list[str]:
        city_line = " ".join(p for p in [self.ship_postal_code, self.ship_city] if p)
        if self.ship_state:
            city_line = f"{city_line}, {self.ship_state}" if city_line else self.ship_state
        return [x for x in [self.ship_street, city_line, self.ship_country] if x]


class Contact(ActivityRollupFields, AddressFields, BaseModel):
    salutation = models.CharField(_("salutation"), max_length=20, blank=True)
    first_name = models.CharField(_("first name"), max_length=80, blank=True)
    last_name = models.CharField(_("last name"), max_length=80)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    email = models.EmailField(_("email"), blank=True)
    email2 = models.EmailField(_("email 2"), blank=True)
    business_phone = models.CharField(_("business phone"), max_length=50, blank=True)
    mobile_phone = models.CharField(_("mobile phone"), max_length=50, blank=True)
    account = models.ForeignKey(
        Account, verbose_name=_("account"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="contacts",
    )
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
        related_name="contacts",
    )
    # E.164 keys of the two numbers (read in the contact's country, else
    # CRM_DEFAULT_PHONE_REGION), kept by save(): duplicate detection compares them.
    phone_key = models.CharField(max_length=30, blank=True, editable=False)
    mobile_key = models.CharField(max_length=30, blank=True, editable=False)

    KEY_SOURCES = {"business_phone", "mobile_phone", "country"}
    KEY_FIELDS = ["phone_key", "mobile_key"]

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_idx"),
            # The contact list's default sort (last name, then id): no re-sort of a name's rows
            models.Index(fields=["last_name", "id"], name="contact_last_name_id_idx"),
            models.Index(fields=["account", "last_name"], name="contact_account_idx"),
            models.Index(fields=["owner", "last_name"], name="contact_owner_idx"),
            models.Index(fields=["-created_at", "-id"], name="contact_created_idx"),
            models.Index(Lower("email"), name="contact_lower_email_idx"),
            models.Index(fields=["phone_key"], name="contact_phone_key_idx",
                         condition=~models.Q(phone_key="")),
            models.Index(fields=["mobile_key"], name="contact_mobile_key_idx",
                         condition=~models.Q(mobile_key="")),
            TrigramIndex(fields=["last_name"], name="contact_last_name_trgm"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in [self.first_name, self.last_name] if p)

    def get_absolute_url(self):
        return reverse("contact-detail", args=[self.pk])

    def refresh_keys(self) -> None:
        self.phone_key = matching.phone_key(self.business_phone, self.country)
        self.mobile_key = matching.phone_key(self.mobile_phone, self.country)

    def save(self, *args, **kwargs):
        _refresh_keys(self, kwargs)
        super().save(*args, **kwargs)


def _refresh_keys(record, save_kwargs: dict) -> None:
    """Recompute the stored keys unless a partial save leaves their sources alone."""
    update_fields = save_kwargs.get("update_fields")
    if update_fields is None or record.KEY_SOURCES & set(update_fields):
        record.refresh_keys()
        if update_fields is not None:
            save_kwargs["update_fields"] = set(update_fields) | set(record.KEY_FIELDS)
