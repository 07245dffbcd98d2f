"""Webhooks against a real HTTP receiver on 127.0.0.1: signature, retries with backoff, disable
after 24 hours, redeliver, order per record, rollback, Redis outage, hostile receivers, SSRF."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from kombu import pools as kombu_pools

from crm.assistant.models import Card
from crm.automation import services
from crm.automation.models import OutgoingEvent, Webhook, WebhookDelivery
from crm.celery import app as celery_app
from crm.common.cache import outages
from leads.services import lead_create, lead_update

from .helpers import verify_signature


def _lead(org, **extra):
    data = {"topic": "Fleet tablets", "last_name": "Lee", "company": "Contoso", **extra}
    return lead_create(actor=org.sam, **data)


def _hook(org, receiver, **kwargs):
    kwargs.setdefault("events", ["lead.created", "lead.updated"])
    return services.webhook_create(actor=org.admin, url=receiver.url, **kwargs)


def test_a_delivery_is_signed_and_verifiable_with_the_documented_recipe(
        org, receiver, django_capture_on_commit_callbacks):
    hook = _hook(org, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        lead = _lead(org)
    request = receiver.wait_for(1)[0]
    assert verify_signature(hook.secret, request.body, request.headers["X-CRM-Signature"])
    assert not verify_signature("another-secret-entirely", request.body,
                                request.headers["X-CRM-Signature"])
    body = json.loads(request.body)
    event = OutgoingEvent.objects.get(record_type="lead", record_id=lead.pk, action="created")
    delivery = WebhookDelivery.objects.get()
    assert request.headers["X-CRM-Event"] == "lead.created" == body["type"]
    assert request.headers["X-CRM-Delivery"] == str(delivery.uuid) == body["delivery"]
    assert abs(int(request.headers["X-CRM-Timestamp"]) - timezone.now().timestamp()) < 60
    assert body["id"] == str(event.uuid)
    assert body["data"]["record"]["id"] == lead.pk
    assert body["data"]["record"]["topic"] == "Fleet tablets"  # the record as the API shows it
    assert (delivery.status, delivery.status_code, delivery.attempts) == ("succeeded", 200, 1)
    assert delivery.duration_ms is not None


def test_an_update_carries_what_changed(org, receiver, django_capture_on_commit_callbacks):
    _hook(org, receiver, events=["lead.updated"])
    lead = _lead(org)
    with django_capture_on_commit_callbacks(execute=True):
        lead_update(lead=lead, actor=org.sam, topic="Fleet phones", rating="hot")
    body = json.loads(receiver.wait_for(1)[0].body)
    assert body["type"] == "lead.updated"
    assert body["data"]["changes"]["topic"] == ["Fleet tablets", "Fleet phones"]
    assert body["data"]["changes"]["rating"] == ["", "hot"]


def test_only_subscribed_event_types_are_sent(org, receiver, django_capture_on_commit_callbacks):
    _hook(org, receiver, events=["opportunity.won"])
    with django_capture_on_commit_callbacks(execute=True):
        _lead(org)
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_a_failing_receiver_is_retried_with_backoff_until_it_recovers(
        org, receiver, django_capture_on_commit_callbacks):
    receiver.plan = [500, 503]
    hook = _hook(org, receiver)
    start = timezone.now()
    with time_machine.travel(start, tick=True) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            _lead(org)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.status_code, delivery.attempts) == ("retrying", 500, 1)
        first_wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        assert 7 <= first_wait <= 15.5  # 15 s with jitter (half to all of it)
        assert Webhook.objects.get(pk=hook.pk).failing_since is not None
        services.deliver_due()  # not due yet: nothing sent
        assert len(receiver.requests) == 1

        clock.shift(timedelta(seconds=16))
        services.deliver_due()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.status_code, delivery.attempts) == ("retrying", 503, 2)
        second_wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        assert 14 <= second_wait <= 30.5  # doubled

        clock.shift(timedelta(seconds=31))
        services.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.status_code, delivery.attempts) == ("succeeded", 200, 3)
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 503, 200]
    bodies = {r.body for r in receiver.requests}
    assert len(bodies) == 1  # each retry sends the same signed body
    hook.refresh_from_db()
    assert hook.failing_since is None and hook.last_success_at is not None and hook.active


def test_an_endpoint_failing_for_24_hours_is_disabled_and_its_admin_told(
        org, receiver, django_capture_on_commit_callbacks):
    receiver.default = 500
    hook = _hook(org, receiver)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            _lead(org)
        for hours in (1, 6, 12, 23):
            clock.move_to(start + timedelta(hours=hours))
            services.deliver_due()
            assert Webhook.objects.get(pk=hook.pk).active
        clock.move_to(start + timedelta(hours=24, minutes=5))
        services.deliver_due()
    hook.refresh_from_db()
    assert not hook.active and hook.disabled_at is not None
    assert "Failing since" in hook.disabled_reason
    assert WebhookDelivery.objects.get().status == "failed"
    card = Card.objects.get(user=org.admin, record_type="webhook", record_id=hook.pk)
    assert "Webhook disabled" in card.title and card.record_url() == hook.get_absolute_url()
    assert any("Webhook disabled" in m.subject and m.to == [org.admin.email]
               for m in mail.outbox)
    # A disabled endpoint gets nothing more.
    sent = len(receiver.requests)
    with django_capture_on_commit_callbacks(execute=True):
        _lead(org)
    assert len(receiver.requests) == sent


def test_redeliver_sends_the_event_again_as_a_new_delivery(
        org, receiver, django_capture_on_commit_callbacks, api):
    hook = _hook(org, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        _lead(org)
    first = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(org.admin).post(
            f"/api/v1/webhooks/{hook.pk}/deliveries/{first.pk}/redeliver/")
    assert response.status_code == 201, response.content
    assert response.json()["redelivery_of"] == first.pk
    requests = receiver.wait_for(2)
    assert len(requests) == 2
    assert json.loads(requests[0].body)["id"] == json.loads(requests[1].body)["id"]
    assert requests[0].headers["X-CRM-Delivery"] != requests[1].headers["X-CRM-Delivery"]
    assert WebhookDelivery.objects.filter(status="succeeded").count() == 2


def test_deliveries_of_one_record_keep_their_order(
        org, receiver, django_capture_on_commit_callbacks):
    receiver.plan = [500]
    _hook(org, receiver)
    start = timezone.now()
    with time_machine.travel(start, tick=True) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            lead = _lead(org)
        with django_capture_on_commit_callbacks(execute=True):
            lead_update(lead=lead, actor=org.sam, topic="Second")
        with django_capture_on_commit_callbacks(execute=True):
            lead_update(lead=lead, actor=org.sam, topic="Third")
        # The update waits behind the failed create instead of overtaking it.
        assert len(receiver.requests) == 1
        clock.shift(timedelta(seconds=20))
        services.deliver_due()
    types = [json.loads(r.body)["type"] for r in receiver.requests]
    topics = [json.loads(r.body)["data"]["record"]["topic"] for r in receiver.requests]
    assert types == ["lead.created", "lead.created", "lead.updated", "lead.updated"]
    assert topics == ["Fleet tablets", "Fleet tablets", "Second", "Third"]


def test_a_rolled_back_change_delivers_nothing(org, receiver, django_capture_on_commit_callbacks):
    _hook(org, receiver)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            _lead(org)
            raise RuntimeError("the request failed after the save")
    assert not OutgoingEvent.objects.exists() and not WebhookDelivery.objects.exists()
    services.dispatch_pending(older_than_seconds=0)
    assert receiver.requests == []


@pytest.fixture
def broker_down():
    """Celery not eager and its broker a port nobody listens on: publishing fails fast."""
    saved = celery_app.conf.CELERY_BROKER_URL
    celery_app.conf.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    celery_app.conf.CELERY_BROKER_URL = saved
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    outages.reset()


def test_the_outbox_is_drained_after_a_redis_outage(
        org, receiver, broker_down, django_capture_on_commit_callbacks):
    from crm.common.models import OutboxMessage
    from crm.common.tasks import dispatch_outbox

    _hook(org, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        lead = _lead(org)  # the save succeeds while Redis is down
    event = OutgoingEvent.objects.get(record_id=lead.pk, action="created")
    assert event.dispatched_at is None and receiver.requests == []
    assert OutboxMessage.objects.filter(task_name="crm.automation.dispatch_event").exists()
    # Redis is back: beat's sweep and the common outbox both run; the event goes out once.
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    outages.reset()
    assert services.dispatch_pending(older_than_seconds=0) == 1
    dispatch_outbox()
    services.dispatch_pending(older_than_seconds=0)
    assert len(receiver.wait_for(1)) == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_a_receiver_that_hangs_is_cut_off_at_the_timeout_and_retried(
        org, receiver, settings, django_capture_on_commit_callbacks):
    settings.CRM_WEBHOOKS_TIMEOUT = 1
    receiver.plan, receiver.hang_seconds = ["hang"], 2.5
    _hook(org, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        _lead(org)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and "Timed out" in delivery.error
    assert delivery.duration_ms < 2000


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
        org, receiver, django_capture_on_commit_callbacks):
    receiver.plan = ["redirect"]
    _hook(org, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        _lead(org)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.status_code) == ("retrying", 302)
    assert "not followed" in delivery.error
    assert len(receiver.requests) == 1


def test_a_10_mb_answer_is_read_only_up_to_the_limit(
        org, receiver, django_capture_on_commit_callbacks):
    receiver.plan = ["big"]
    _hook(org, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        _lead(org)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.status_code) == ("succeeded", 200)
    assert delivery.duration_ms < 5000


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://10.1.2.3/hook",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook", "http://192.168.0.10/",
    "http://[::ffff:127.0.0.1]/", "ftp://example.com/hook", "http://user:pw@127.0.0.1/",
])
def test_private_and_loopback_urls_are_refused(org, settings, url):
    settings.CRM_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as refused:
        services.webhook_create(actor=org.admin, url=url)
    assert "url" in refused.value.message_dict


def test_the_address_is_checked_again_at_delivery_time(
        org, receiver, settings, django_capture_on_commit_callbacks):
    _hook(org, receiver)
    settings.CRM_WEBHOOKS_ALLOW_PRIVATE = False  # e.g. the DNS answer changed since
    with django_capture_on_commit_callbacks(execute=True):
        _lead(org)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and "private or loopback" in delivery.error
    assert receiver.requests == []


def test_old_events_are_purged_with_their_deliveries(
        org, receiver, django_capture_on_commit_callbacks):
    _hook(org, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        _lead(org)
    OutgoingEvent.objects.update(dispatched_at=timezone.now() - timedelta(days=31))
    assert services.purge_old_events(days=30) == 1
    assert not OutgoingEvent.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_deletion_carries_the_record_as_it_was(org, receiver,
                                                  django_capture_on_commit_callbacks):
    from leads.services import lead_delete

    _hook(org, receiver, events=["lead.deleted"])
    lead = _lead(org)
    with django_capture_on_commit_callbacks(execute=True):
        lead_delete(lead=lead, actor=org.sam)
    body = json.loads(receiver.wait_for(1)[0].body)
    assert body["type"] == "lead.deleted" and body["record_id"] == lead.pk
    assert body["data"]["record"]["topic"] == "Fleet tablets"
