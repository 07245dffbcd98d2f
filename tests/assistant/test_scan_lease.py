"""The assistant scan holds a lease its runner renews: a crashed scan blocks the next one only
until the lease expires, and a long scan keeps it for as long as it runs."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache

from crm.assistant import tasks

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TTL = 2  # seconds; production uses 120 with a renewal every 30


@pytest.fixture(autouse=True)
def short_lease(settings):
    settings.CRM_ASSISTANT_SCAN_LEASE_SECONDS = TTL
    settings.CRM_ASSISTANT_SCAN_LEASE_RENEW_SECONDS = 0.4


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _lease_gone() -> bool:
    return cache.get(tasks.scan_lease().key) is None


def test_a_crashed_holder_blocks_the_scan_only_until_its_lease_expires():
    # Given a scan that took the lease and died without renewing or releasing it
    crashed = tasks.scan_lease()
    assert crashed.acquire()

    # Then a new scan is refused while the lease runs
    assert tasks.scan() == {"skipped": True}

    # And once it has expired (at most the lease's length), the next scan runs
    assert _wait(_lease_gone, TTL + 3)
    result = tasks.scan()
    assert "skipped" not in result and "examined" in result
    assert _lease_gone()  # released when done


def test_a_running_scan_renews_its_lease_so_a_second_scan_is_refused_meanwhile():
    holding, finish = threading.Event(), threading.Event()

    def long_scan():
        with tasks.scan_lease().hold() as held:
            assert held
            holding.set()
            finish.wait(30)

    runner = threading.Thread(target=long_scan)
    runner.start()
    try:
        assert holding.wait(10)
        # Well past the lease's own length, the renewed lease still refuses a second scan
        for _ in range(3):
            time.sleep(TTL * 0.75)
            assert tasks.scan() == {"skipped": True}
    finally:
        finish.set()
        runner.join(10)
    assert _lease_gone()
    assert "skipped" not in tasks.scan()


def test_an_unrelated_lease_holder_cannot_release_or_renew_the_scan_lease():
    holder, other = tasks.scan_lease(), tasks.scan_lease()
    assert holder.acquire()
    assert not other.acquire()
    assert not other.renew()
    other.release()
    assert not _lease_gone()
    holder.release()
    assert _lease_gone()


HOLDER = """
import time, django
django.setup()
from crm.assistant.tasks import scan_lease
with scan_lease().hold() as held:
    print("held" if held else "busy", flush=True)
    time.sleep(600)
"""


def test_a_scan_process_killed_with_sigkill_frees_the_scan_within_the_lease_expiry():
    env = {**os.environ, "CRM_ASSISTANT_SCAN_LEASE_SECONDS": str(TTL),
           "CRM_ASSISTANT_SCAN_LEASE_RENEW_SECONDS": "1"}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(holder.stdout.readline().strip()))
        reader.start()
        reader.join(60)
        assert line == ["held"], "the holder process did not take the lease"

        # While the process lives it renews: after twice the lease's length it still holds it
        time.sleep(TTL * 2)
        assert tasks.scan() == {"skipped": True}

        # When it is killed -9 mid-scan, the next scan runs once the lease expires
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        assert _wait(lambda: "skipped" not in tasks.scan(), TTL + 3)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)


def test_the_lease_also_works_on_the_in_process_cache_of_the_embedded_default(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    holder, other = tasks.scan_lease(), tasks.scan_lease()
    assert holder.acquire()
    assert not other.acquire()
    assert holder.renew()
    assert not other.renew()
    other.release()
    assert not _lease_gone()
    holder.release()
    assert _lease_gone()
