"""Celery adapters for the assistant: periodic scans, event-driven refresh, the daily digest."""

import logging

from celery import shared_task
from django.core.cache import cache

from . import digest, engine

logger = logging.getLogger(__name__)
LOCK_KEY = "assistant:scan-lock"
LOCK_SECONDS = 60 * 60


def _locked_scan(full: bool, kinds=None) -> dict:
    # Two overlapping scans would do the same work twice; the second one simply skips.
    key = LOCK_KEY if not kinds else f"{LOCK_KEY}:{','.join(sorted(kinds))}"
    if not cache.add(key, "1", LOCK_SECONDS):
        logger.info("assistant scan already running; skipped")
        return {"skipped": True}
    try:
        return engine.scan(full=full, kinds=set(kinds) if kinds else None).as_dict()
    finally:
        cache.delete(key)


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
             autoretry_for=(ConnectionError,), retry_backoff=True)
def refresh_records(record_type: str, record_ids: list[int]) -> dict:
    return engine.refresh_records(record_type, record_ids).as_dict()


@shared_task(name="crm.assistant.send_digests", acks_late=True)
def send_digests() -> int:
    return digest.send_digests()
