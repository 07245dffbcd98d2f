"""Every write to leads. Qualifying lives in `opportunities.conversion` (the downstream app owns
the conversion) and ends in `lead_mark_qualified` here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.common.changes import record_deleted, record_updated, snapshot
from crm.common.codes import RefusalReason
from crm.common.deletion import delete_or_refuse
from crm.common.errors import BusinessRuleViolation, RecordLocked, TransitionNotAllowed
from crm.common.queue import enqueue_on_commit
from crm.common.services import UNSET, Maybe, given, model_update
from crm.common.visibility import apply_owner_change, check_can_assign_owner, check_can_change
from crm.customers.models import Account, Contact
from crm.users.models import User

from .models import DisqualifyReason, Lead, LeadStatus
from .rules import RULE_FIELDS, check_lead_input

if TYPE_CHECKING:
    from django.core.files import File

    from crm.activities.models import Activity

    from .models import LeadImport

LEAD_FIELDS = [
    "topic", "salutation", "first_name", "last_name", "company", "job_title", "email",
    "email2", "business_phone", "mobile_phone", "website", "street", "city", "state",
    "postal_code", "country", "source", "rating", "industry", "employees", "annual_revenue",
    "budget_amount", "budget_status", "purchase_timeframe", "purchase_process", "need",
    "decision_maker", "description", "qualification_comments", "estimated_value",
    "estimated_close_date", "existing_account", "existing_contact",
]
# API spellings of the actions, by django-fsm method name (for "allowed" in 409 answers).
ACTION_NAMES = {"mark_contacted": "mark_contacted", "qualify": "qualify",
                "disqualify": "disqualify", "reactivate": "reactivate"}


def allowed_actions(lead: Lead) -> list[str]:
    transitions = lead.get_available_status_transitions()  # type: ignore[attr-defined]
    return [ACTION_NAMES[t.name] for t in transitions]


def _refuse(lead: Lead, action: str, message: str | None = None,
            reason: RefusalReason = RefusalReason.WRONG_STATUS) -> NoReturn:
    raise TransitionNotAllowed(
        message or _("A %(status)s lead cannot be %(action)s.") % {
            "status": lead.get_status_display().lower(), "action": action},
        allowed=allowed_actions(lead), status=lead.status, reason=reason,
    )


# Text and yes/no fields a caller may give as None (an API null): stored blank / False.
_NULL_AS_BLANK = {name for name in LEAD_FIELDS if name not in (
    "employees", "annual_revenue", "budget_amount", "estimated_value", "estimated_close_date",
    "existing_account", "existing_contact")}


def _blank_nulls(data: dict[str, Any]) -> dict[str, Any]:
    return {name: (False if name == "decision_maker" else "")
            if value is None and name in _NULL_AS_BLANK else value
            for name, value in data.items()}


def _validate(lead: Lead, changed: Iterable[str] = ()) -> None:
    check_lead_input({name: getattr(lead, name) for name in RULE_FIELDS})
    lead.full_clean(exclude=["owner", "status"], validate_constraints=False)


def _lock(lead: Lead) -> Lead:
    return Lead.objects.select_for_update().get(pk=lead.pk)


@transaction.atomic
def lead_create(
        *, actor: User, owner: User | None = None,
        topic: Maybe[str | None] = UNSET, salutation: Maybe[str | None] = UNSET, first_name: Maybe[str | None] = UNSET,
        last_name: Maybe[str | None] = UNSET, company: Maybe[str | None] = UNSET,
        job_title: Maybe[str | None] = UNSET, email: Maybe[str | None] = UNSET,
        email2: Maybe[str | None] = UNSET, business_phone: Maybe[str | None] = UNSET,
        mobile_phone: Maybe[str | None] = UNSET, website: Maybe[str | None] = UNSET,
        street: Maybe[str | None] = UNSET, city: Maybe[str | None] = UNSET,
        state: Maybe[str | None] = UNSET, postal_code: Maybe[str | None] = UNSET,
        country: Maybe[str | None] = UNSET, source: Maybe[str | None] = UNSET,
        rating: Maybe[str | None] = UNSET, industry: Maybe[str | None] = UNSET,
        employees: Maybe[int | None] = UNSET, annual_revenue: Maybe[Decimal | None] = UNSET,
        budget_amount: Maybe[Decimal | None] = UNSET, budget_status: Maybe[str | None] = UNSET,
        purchase_timeframe: Maybe[str | None] = UNSET, purchase_process: Maybe[str | None] = UNSET,
        need: Maybe[str | None] = UNSET, decision_maker: Maybe[bool | None] = UNSET,
        description: Maybe[str | None] = UNSET, qualification_comments: Maybe[str | None] = UNSET,
        estimated_value: Maybe[Decimal | None] = UNSET,
        estimated_close_date: Maybe[date | None] = UNSET,
        existing_account: Maybe[Account | None] = UNSET,
        existing_contact: Maybe[Contact | None] = UNSET,
) -> Lead:
    """Create a lead in status `new` owned by `owner` (default: the actor).

    Refuses (ValidationError) a lead without a topic, or without both last name and company.
    Likely duplicates are not refused: forms and the API show them (`leads.duplicates`).
    """
    owner = owner or actor
    check_can_assign_owner(actor, owner)
    lead, _created = model_update(
        instance=Lead(owner=owner), fields=LEAD_FIELDS, validate=_validate,
        data=_blank_nulls(given(
        topic=topic, salutation=salutation, first_name=first_name, last_name=last_name,
        company=company, job_title=job_title, email=email, email2=email2,
        business_phone=business_phone, mobile_phone=mobile_phone, website=website, street=street,
        city=city, state=state, postal_code=postal_code, country=country, source=source,
        rating=rating, industry=industry, employees=employees, annual_revenue=annual_revenue,
        budget_amount=budget_amount, budget_status=budget_status,
        purchase_timeframe=purchase_timeframe, purchase_process=purchase_process, need=need,
        decision_maker=decision_maker, description=description,
        qualification_comments=qualification_comments, estimated_value=estimated_value,
        estimated_close_date=estimated_close_date, existing_account=existing_account,
        existing_contact=existing_contact)))
    record_event(record=lead, actor=actor, action=EventType.CREATED, to_state=lead.status,
                 note=_("Source: %(source)s") % {"source": lead.get_source_display()}
                 if lead.source else "")
    return lead


@transaction.atomic
def lead_update(
        *, lead: Lead, actor: User, owner: Maybe[User | None] = UNSET,
        topic: Maybe[str | None] = UNSET, salutation: Maybe[str | None] = UNSET,
        first_name: Maybe[str | None] = UNSET, last_name: Maybe[str | None] = UNSET,
        company: Maybe[str | None] = UNSET, job_title: Maybe[str | None] = UNSET,
        email: Maybe[str | None] = UNSET, email2: Maybe[str | None] = UNSET,
        business_phone: Maybe[str | None] = UNSET, mobile_phone: Maybe[str | None] = UNSET,
        website: Maybe[str | None] = UNSET, street: Maybe[str | None] = UNSET,
        city: Maybe[str | None] = UNSET, state: Maybe[str | None] = UNSET,
        postal_code: Maybe[str | None] = UNSET, country: Maybe[str | None] = UNSET,
        source: Maybe[str | None] = UNSET, rating: Maybe[str | None] = UNSET,
        industry: Maybe[str | None] = UNSET, employees: Maybe[int | None] = UNSET,
        annual_revenue: Maybe[Decimal | None] = UNSET,
        budget_amount: Maybe[Decimal | None] = UNSET, budget_status: Maybe[str | None] = UNSET,
        purchase_timeframe: Maybe[str | None] = UNSET, purchase_process: Maybe[str | None] = UNSET,
        need: Maybe[str | None] = UNSET, decision_maker: Maybe[bool | None] = UNSET,
        description: Maybe[str | None] = UNSET, qualification_comments: Maybe[str | None] = UNSET,
        estimated_value: Maybe[Decimal | None] = UNSET,
        estimated_close_date: Maybe[date | None] = UNSET,
        existing_account: Maybe[Account | None] = UNSET,
        existing_contact: Maybe[Contact | None] = UNSET,
) -> Lead:
    """Change an open lead; qualified and disqualified leads are read-only (RecordLocked)."""
    lead = _lock(lead)
    check_can_change(actor, lead)
    if not lead.is_open:
        raise RecordLocked(_("Only open leads can be edited; reactivate it first."),
                           reason=RefusalReason.NOT_EDITABLE)
    before = snapshot(lead)
    reassigned = apply_owner_change(lead, actor, None if owner is UNSET else owner)
    lead, updated = model_update(
        instance=lead, fields=LEAD_FIELDS, changed=["owner"] if reassigned else [],
        validate=_validate, data=_blank_nulls(given(
        topic=topic, salutation=salutation, first_name=first_name, last_name=last_name,
        company=company, job_title=job_title, email=email, email2=email2,
        business_phone=business_phone, mobile_phone=mobile_phone, website=website, street=street,
        city=city, state=state, postal_code=postal_code, country=country, source=source,
        rating=rating, industry=industry, employees=employees, annual_revenue=annual_revenue,
        budget_amount=budget_amount, budget_status=budget_status,
        purchase_timeframe=purchase_timeframe, purchase_process=purchase_process, need=need,
        decision_maker=decision_maker, description=description,
        qualification_comments=qualification_comments, estimated_value=estimated_value,
        estimated_close_date=estimated_close_date, existing_account=existing_account,
        existing_contact=existing_contact)))
    if updated:
        record_updated(record=lead, actor=actor, before=before)
        if reassigned:
            record_event(record=lead, actor=actor, action=EventType.REASSIGNED,
                         note=_("Now owned by %(owner)s") % {"owner": lead.owner})
    return lead


@transaction.atomic
def lead_delete(*, lead: Lead, actor: User) -> None:
    lead = _lock(lead)
    check_can_change(actor, lead)
    if lead.qualifying_opportunity_id is not None:
        raise BusinessRuleViolation(_("A lead that created an opportunity cannot be deleted."),
                                    reason=RefusalReason.LEAD_HAS_OPPORTUNITY)
    record_deleted(record=lead, actor=actor)
    delete_or_refuse(lead)


@transaction.atomic
def lead_mark_contacted(*, lead: Lead, actor: User, note: str = "") -> Lead:
    """`new` -> `contacted` (also sent automatically by the first completed activity)."""
    lead = _lock(lead)
    check_can_change(actor, lead)
    if not can_proceed(lead.mark_contacted):
        _refuse(lead, _("marked contacted"))
    before = lead.status
    lead.mark_contacted()
    lead.save(update_fields=["status", "status_changed_at"])
    record_event(record=lead, actor=actor, action=EventType.CONTACTED, from_state=before,
                 to_state=lead.status, note=note)
    return lead


@transaction.atomic
def lead_disqualify(*, lead: Lead, actor: User, reason: str, note: str = "") -> Lead:
    """Open lead -> `disqualified` with a reason; refused once the lead has an opportunity."""
    if reason not in DisqualifyReason.values:
        raise BusinessRuleViolation(
            _("Choose a reason: %(reasons)s.") % {"reasons": ", ".join(DisqualifyReason.values)},
            fields={"reason": [_("Not a valid reason.")]},
        )
    lead = _lock(lead)
    check_can_change(actor, lead)
    if lead.qualifying_opportunity_id is not None:
        _refuse(lead, _("disqualified"),
                _("This lead already has an opportunity, so it cannot be disqualified."),
                reason=RefusalReason.LEAD_HAS_OPPORTUNITY)
    if not can_proceed(lead.disqualify):
        _refuse(lead, _("disqualified"))
    before = lead.status
    lead.disqualify(reason)
    lead.save(update_fields=["status", "status_reason", "status_changed_at"])
    record_event(record=lead, actor=actor, action=EventType.DISQUALIFIED, from_state=before,
                 to_state=lead.status, note=note or lead.get_status_reason_display(),
                 data={"reason": reason})
    return lead


@transaction.atomic
def lead_reactivate(*, lead: Lead, actor: User, note: str = "") -> Lead:
    """Qualified or disqualified -> `new`; an opportunity created earlier stays."""
    lead = _lock(lead)
    check_can_change(actor, lead)
    if not can_proceed(lead.reactivate):
        _refuse(lead, _("reactivated"))
    before = lead.status
    lead.reactivate()
    lead.save(update_fields=["status", "status_reason", "status_changed_at"])
    record_event(record=lead, actor=actor, action=EventType.REACTIVATED, from_state=before,
                 to_state=lead.status, note=note)
    return lead


@transaction.atomic
def lead_mark_qualified(*, lead: Lead, actor: User, opportunity_id: int | None = None) -> Lead:
    """Open lead -> `qualified`, remembering the opportunity created for it.

    Called by `opportunities.conversion.lead_qualify` inside its transaction, after the
    account, contact and opportunity were created; a refusal here rolls all of them back.
    """
    lead = _lock(lead)
    check_can_change(actor, lead)
    if not can_proceed(lead.qualify):
        _refuse(lead, _("qualified"))
    before = lead.status
    lead.qualify()
    update = ["status", "status_reason", "status_changed_at"]
    if opportunity_id is not None:
        lead.qualifying_opportunity_id = opportunity_id
        update.append("qualifying_opportunity_id")
    lead.save(update_fields=update)
    record_event(record=lead, actor=actor, action=EventType.QUALIFIED, from_state=before,
                 to_state=lead.status,
                 data={"opportunity": opportunity_id} if opportunity_id else None)
    return lead


@transaction.atomic
def lead_merge(*, lead: Lead, duplicate: Lead, actor: User) -> Lead:
    """Keep `lead`, fold `duplicate` into it: blanks filled from the duplicate, activities
    moved, the duplicate closed as disqualified (`canceled`) and pointing at the kept lead.

    Refused when both are the same lead, or the duplicate is not open or has an opportunity.
    """
    if lead.pk == duplicate.pk:
        raise BusinessRuleViolation(_("A lead cannot be merged with itself."),
                                    reason=RefusalReason.LEAD_MERGED_WITH_ITSELF)
    # Lock in id order so two opposite merges cannot deadlock.
    locked = {x.pk: x for x in Lead.objects.select_for_update().filter(
        pk__in=[lead.pk, duplicate.pk]).order_by("pk")}
    lead, duplicate = locked[lead.pk], locked[duplicate.pk]
    check_can_change(actor, lead)
    check_can_change(actor, duplicate)
    if not duplicate.is_open or duplicate.qualifying_opportunity_id is not None:
        raise TransitionNotAllowed(
            _("Only an open lead without an opportunity can be merged into another."),
            allowed=allowed_actions(duplicate), status=duplicate.status,
            reason=RefusalReason.LEAD_NOT_MERGEABLE,
        )
    changed = []
    if lead.is_open:
        for name in LEAD_FIELDS:
            value = getattr(duplicate, name)
            if value not in ("", None, False) and getattr(lead, name) in ("", None, False):
                setattr(lead, name, value)
                changed.append(name)
    if changed:
        lead.save(update_fields=changed)
    moved = _move_activities(duplicate, lead)
    before = duplicate.status
    duplicate.disqualify(DisqualifyReason.CANCELED)
    duplicate.merged_into = lead
    duplicate.save(update_fields=["status", "status_reason", "status_changed_at",
                                  "merged_into"])
    record_event(record=duplicate, actor=actor, action=EventType.MERGED_INTO, from_state=before,
                 to_state=duplicate.status,
                 note=_("Merged into %(lead)s") % {"lead": lead.display_name},
                 data={"into": lead.pk})
    record_event(record=lead, actor=actor, action=EventType.MERGED,
                 note=_("Merged %(dup)s into this lead (%(n)d activities moved)") % {
                     "dup": duplicate.display_name, "n": moved},
                 data={"merged": duplicate.pk, "filled": changed, "activities": moved})
    return lead


def _move_activities(source: Lead, target: Lead) -> int:
    """Re-point the duplicate's activities (the activities app may not be installed yet)."""
    try:
        activity = apps.get_model("activities", "Activity")
    except LookupError:
        return 0
    if "lead" not in {f.name for f in activity._meta.get_fields()}:
        return 0
    return activity.objects.filter(lead_id=source.pk).update(lead_id=target.pk)


def lead_auto_mark_contacted(*, activity: Activity, actor: User | None) -> Lead | None:
    """The first completed activity on a `new` lead marks it contacted (signal receiver)."""
    lead_id = getattr(activity, "lead_id", None)
    if not lead_id:
        return None
    lead = Lead.objects.filter(pk=lead_id, status=LeadStatus.NEW).first()
    if lead is None:
        return None
    with transaction.atomic():
        lead = _lock(lead)
        if lead.status != LeadStatus.NEW:
            return None
        lead.mark_contacted()
        lead.save(update_fields=["status", "status_changed_at"])
        record_event(record=lead, actor=actor, action=EventType.CONTACTED,
                     from_state=LeadStatus.NEW, to_state=lead.status,
                     note=_("Marked contacted when an activity was completed."))
    return lead


# --- CSV import -------------------------------------------------------------------------------

def lead_import_create(*, actor: User, uploaded_file: File[Any],
                       encoding: str = "utf-8") -> LeadImport:
    """Check an uploaded CSV (raises importer.ImportFileError with a clear message) and keep it
    as an import job waiting for its column mapping (remembered or guessed). `encoding`
    "auto" detects it; the job keeps the one used, which the mapping step can change."""
    from .importer import (
        AUTO_ENCODING,
        detect_encoding,
        guess_mapping,
        inspect_file,
        is_xlsx,
        xlsx_to_csv,
    )
    from .models import LeadImport

    name = uploaded_file.name or "leads.csv"
    if is_xlsx(uploaded_file, name):
        # An Excel workbook: its first sheet becomes a UTF-8 CSV, imported like any CSV.
        from django.core.files import File

        uploaded_file = File(xlsx_to_csv(uploaded_file), name=name)
        encoding = "utf-8"
    if encoding == AUTO_ENCODING:
        encoding = detect_encoding(uploaded_file)
    info = inspect_file(uploaded_file, encoding)
    uploaded_file.seek(0)
    job = LeadImport(owner=actor, file_name=name[:255],
                     encoding=encoding, delimiter=info.delimiter, headers=info.headers,
                     total=info.rows)
    job.mapping = guess_mapping(info.headers)
    job.file.save(job.file_name if not job.file_name.lower().endswith(".xlsx")
                  else f"{job.file_name[:-5]}.csv", uploaded_file, save=False)
    job.save()
    return job


@transaction.atomic
def lead_import_set_encoding(*, job: LeadImport, actor: User, encoding: str) -> LeadImport:
    """Read a job's file again with another encoding (the mapping step's override): headers,
    delimiter and row count follow; the mapping is kept for headers that did not change.
    Raises importer.ImportFileError when the file is not valid text in that encoding."""
    from .importer import guess_mapping, inspect_file
    from .models import ImportStatus, LeadImport

    job = LeadImport.objects.select_for_update().get(pk=job.pk)
    if job.owner_id != actor.pk:
        raise BusinessRuleViolation(_("Only the person who uploaded the file can change it."),
                                    reason=RefusalReason.IMPORT_NOT_OWNER)
    if job.status != ImportStatus.MAPPING:
        raise TransitionNotAllowed(_("This import has already been started."),
                                   status=job.status, reason=RefusalReason.WRONG_STATUS)
    with job.file.open("rb") as raw:
        info = inspect_file(raw, encoding)
    guessed = guess_mapping(info.headers)
    job.mapping = {h: job.mapping.get(h, guessed.get(h, "")) if h in job.headers else
                   guessed.get(h, "") for h in info.headers}
    job.encoding, job.delimiter, job.headers, job.total = (
        encoding, info.delimiter, info.headers, info.rows)
    job.save(update_fields=["encoding", "delimiter", "headers", "mapping", "total"])
    return job


@transaction.atomic
def lead_import_start(*, job: LeadImport, actor: User, mapping: dict[str, str] | None = None,
                      duplicate_policy: str | None = None, default_source: str | None = None,
                      default_topic: str | None = None) -> LeadImport:
    """Fix the mapping and settings, remember the mapping for these headers and queue the
    import (Celery). Refuses (BusinessRuleViolation) a mapping without the required fields
    and a job that already ran."""
    from .importer import mapping_problems, remember_mapping
    from .models import ImportStatus, LeadImport
    from .tasks import run_lead_import

    job = LeadImport.objects.select_for_update().get(pk=job.pk)
    if job.owner_id != actor.pk:
        raise BusinessRuleViolation(_("Only the person who uploaded the file can start it."),
                                    reason=RefusalReason.IMPORT_NOT_OWNER)
    if job.status != ImportStatus.MAPPING:
        raise TransitionNotAllowed(_("This import has already been started."),
                                   status=job.status, reason=RefusalReason.WRONG_STATUS)
    if mapping is not None:
        job.mapping = {h: (mapping.get(h) or "") for h in job.headers}
    if duplicate_policy is not None:
        job.duplicate_policy = duplicate_policy
    if default_source is not None:
        job.default_source = default_source
    if default_topic is not None:
        job.default_topic = default_topic.strip()[:300]
    problems = mapping_problems(job.mapping, job.default_topic)
    if problems:
        raise BusinessRuleViolation(" ".join(problems), fields={"mapping": problems},
                                    reason=RefusalReason.IMPORT_COLUMNS_MISSING)
    remember_mapping(job.headers, job.mapping)
    job.status = ImportStatus.QUEUED
    job.save()
    enqueue_on_commit(run_lead_import, job.pk)
    return job


def lead_import_rerun(*, job: LeadImport, actor: User) -> LeadImport:
    """A new job for the same file and settings; rows imported before are skipped."""
    from .models import ImportStatus, LeadImport

    if job.owner_id != actor.pk:
        raise BusinessRuleViolation(
            _("Only the person who uploaded the file can run it again."),
            reason=RefusalReason.IMPORT_NOT_OWNER)
    again = LeadImport.objects.create(
        owner=actor, file=job.file.name, file_name=job.file_name, encoding=job.encoding,
        delimiter=job.delimiter, headers=job.headers, mapping=job.mapping, total=job.total,
        duplicate_policy=job.duplicate_policy, default_source=job.default_source,
        default_topic=job.default_topic, status=ImportStatus.MAPPING,
    )
    return lead_import_start(job=again, actor=actor)
