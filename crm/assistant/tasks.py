"""Celery adapters for the assistant: periodic scans, event-driven refresh, the daily digest."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from crm.common.lease import Lease

from . import digest, engine

logger = logging.getLogger(__name__)
LEASE_NAME = "assistant:scan"


def scan_lease(kinds=None) -> Lease:
    """The lease a scan holds: renewed while it runs, so a worker killed mid-scan blocks the
    next scan for at most the lease's expiry (not the length of a scan)."""
    name = LEASE_NAME if not kinds else f"{LEASE_NAME}:{','.join(sorted(kinds))}"
    return Lease(name, ttl=settings.CRM_ASSISTANT_SCAN_LEASE_SECONDS,
                 renew_every=settings.CRM_ASSISTANT_SCAN_LEASE_RENEW_SECONDS)


def _locked_scan(full: bool, kinds=None) -> dict:
    # Two overlapping scans would do the same work twice; the second one simply skips.
    lease = scan_lease(kinds)
    with lease.hold() as held:
        if not held:
            if lease.cache_unavailable:
                logger.warning("assistant scan skipped: the cache holding its lease is down")
            else:
                logger.info("assistant scan already running; skipped")
            return {"skipped": True}
        return engine.scan(full=full, kinds=set(kinds) if kinds else None).as_dict()


@shared_task(name="crm.assistant.scan", acks_late=True)
def scan(kinds: list[str] | None = None) -> dict:
    """Every 15 minutes: the records that changed or crossed a date threshold since last time.
    With `kinds`, only those rules (the clock-bound activity kinds run every 5 minutes, so an
    "appointment in 30 minutes" card is at most 5 minutes late)."""
    return _locked_scan(full=False, kinds=kinds)


@shared_task(name="crm.assistant.full_scan", acks_late=True)
def full_scan() -> dict:
    """Nightly: every record, which also refreshes the figures ("for 16 days") on every card."""
    return _locked_scan(full=True)


@shared_task(name="crm.assistant.refresh_records", acks_late=True, max_retries=3,
             autoretry_for=(ConnectionError, OperationalError, InterfaceError),
             retry_backoff=True, retry_backoff_max=60, retry_jitter=True)
def refresh_records(record_type: str, record_ids: list[int]) -> dict:
    return engine.refresh_records(record_type, record_ids).as_dict()


@shared_task(name="crm.assistant.send_digests", acks_late=True)
def send_digests() -> int:
    return digest.send_digests()
