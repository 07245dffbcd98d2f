import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from crm.activities import services
from crm.activities.models import ActivityKind, ActivityState
from crm.activities.signals import activity_completed
from crm.common.errors import RecordLocked, TransitionNotAllowed
from tests.factories import ContactFactory
from tests.opportunities.factories import OpportunityFactory

from .factories import ActivityFactory

pytestmark = pytest.mark.django_db


def test_a_note_is_born_completed_and_never_counts_as_open(org, on_commit):
    contact = ContactFactory(owner=org.sam)
    with on_commit():
        note = services.activity_create(actor=org.sam, kind=ActivityKind.NOTE, regarding=contact,
                                        description="Prefers e-mail.\nCall after 3pm.")
    contact.refresh_from_db()
    assert note.state == ActivityState.COMPLETED
    assert note.subject == "Prefers e-mail."
    assert contact.open_activity_count == 0
    assert contact.last_activity_at == note.created_at


def test_completing_an_activity_sends_activity_completed_once(org):
    task = ActivityFactory(owner=org.sam, contact=ContactFactory(owner=org.sam))
    received = []

    def listener(sender, activity, actor, **kwargs):
        received.append((activity.pk, actor.pk))

    activity_completed.connect(listener)
    try:
        done = services.activity_complete(activity=task, actor=org.sam)
    finally:
        activity_completed.disconnect(listener)
    assert done.state == ActivityState.COMPLETED and done.completed_at is not None
    assert received == [(task.pk, org.sam.pk)]


def test_logging_an_already_completed_call_also_sends_activity_completed(org):
    received = []

    def listener(sender, activity, actor, **kwargs):
        received.append(activity.kind)

    activity_completed.connect(listener)
    try:
        services.activity_create(actor=org.sam, kind=ActivityKind.PHONE_CALL,
                                 regarding=ContactFactory(), subject="Intro call",
                                 completed=True)
    finally:
        activity_completed.disconnect(listener)
    assert received == [ActivityKind.PHONE_CALL]


def test_a_closed_activity_cannot_be_completed_or_canceled_again(org):
    task = ActivityFactory(owner=org.sam)
    services.activity_cancel(activity=task, actor=org.sam)
    with pytest.raises(TransitionNotAllowed):
        services.activity_complete(activity=task, actor=org.sam)


def test_a_completed_activity_keeps_its_subject_and_dates(org):
    task = ActivityFactory(owner=org.sam)
    services.activity_complete(activity=task, actor=org.sam)
    with pytest.raises(RecordLocked):
        services.activity_update(activity=task, actor=org.sam, subject="Rewritten history")
    updated = services.activity_update(activity=task, actor=org.sam, description="Outcome: yes")
    assert updated.description == "Outcome: yes"


def test_a_seller_cannot_change_a_teammates_activity(org):
    task = ActivityFactory(owner=org.sofia)
    with pytest.raises(PermissionDenied):
        services.activity_complete(activity=task, actor=org.sam)


def test_a_manager_completes_an_activity_of_someone_below_them(org):
    task = ActivityFactory(owner=org.tom)
    assert services.activity_complete(activity=task, actor=org.maria).state == "completed"


def test_activities_cannot_be_logged_on_a_record_the_user_may_not_read(org):
    opportunity = OpportunityFactory(owner=org.olga)
    with pytest.raises(Http404):
        services.resolve_regarding(user=org.sam, record_type="opportunity",
                                   record_id=opportunity.pk)


def test_an_appointment_needs_a_start(org):
    with pytest.raises(ValidationError) as error:
        services.activity_create(actor=org.sam, kind=ActivityKind.APPOINTMENT,
                                 regarding=ContactFactory(), subject="Demo")
    assert "starts_at" in error.value.message_dict


def test_an_attachment_over_the_size_limit_is_refused(org, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.activities import models

    big = SimpleUploadedFile("scan.pdf", b"x" * (models.ATTACHMENT_MAX_BYTES + 1),
                             content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        services.activity_create(actor=org.sam, kind=ActivityKind.NOTE,
                                 regarding=ContactFactory(), description="Scan",
                                 attachment=big)
    assert "attachment" in error.value.message_dict


def test_an_attachment_of_an_unsafe_type_is_refused(org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    exe = SimpleUploadedFile("setup.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError):
        services.activity_create(actor=org.sam, kind=ActivityKind.NOTE,
                                 regarding=ContactFactory(), description="x", attachment=exe)


def test_a_seller_cannot_give_an_activity_to_someone_else(org):
    with pytest.raises(PermissionDenied):
        services.activity_create(actor=org.sam, kind=ActivityKind.TASK, subject="x",
                                 regarding=ContactFactory(), owner=org.tom)
