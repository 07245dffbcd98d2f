"""Lag-tolerant reads on a REAL PostgreSQL streaming replica (crm/common/db_router.py).

`scripts/test.sh` starts the replica with `scripts/replica.sh start` (pg_basebackup -R of the
test cluster, a hot standby on 127.0.0.1:5433); run alone, this module starts it itself. The
tests write committed rows on the primary, wait until the standby has replayed them, and check
where each read went.
"""

import copy
import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.common import db_router
from crm.common.db_router import REPLICA, on_replica, reading_from_replica, replica_lag
from opportunities.models import Opportunity
from tests.opportunities.factories import OpportunityFactory

ROOT = Path(__file__).resolve().parents[2]
REPLICA_DIR = Path(os.environ.get("CRM_REPLICA_DIR", f"/tmp/crm-replica-{os.getuid()}"))

pytestmark = pytest.mark.django_db(transaction=True)


def _read_env() -> dict:
    path = REPLICA_DIR / "env"
    if not path.exists():
        return {}
    return dict(line.split("=", 1) for line in path.read_text().split() if "=" in line)


@pytest.fixture(scope="session")
def replica_server():
    status = subprocess.run(["bash", str(ROOT / "scripts/replica.sh"), "status"],
                            capture_output=True, text=True)
    if status.returncode != 0 or not _read_env():
        subprocess.run(["bash", str(ROOT / "scripts/replica.sh"), "start"], check=True,
                       timeout=1800, stdout=subprocess.DEVNULL)
    env = _read_env()
    return env["CRM_REPLICA_HOST"], int(env["CRM_REPLICA_PORT"])


def _add_alias(monkeypatch, host, port):
    """The `replica` alias as settings.DATABASE_REPLICA_URL makes it, on the test database.

    Registered as a connection of this thread only (not in settings.DATABASES): the Django
    test case then allows it, and no other test sees a replica."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    config = copy.deepcopy(connections["default"].settings_dict)  # the test database's name
    config.update(HOST=host, PORT=port, CONN_HEALTH_CHECKS=True)
    config.setdefault("OPTIONS", {})["connect_timeout"] = 2
    connections[REPLICA] = DatabaseWrapper(config, REPLICA)
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    db_router.mark_replica_up()


def _drop_alias():
    try:
        connections[REPLICA].close()
    finally:
        del connections[REPLICA]
        db_router.mark_replica_up()


@pytest.fixture
def replica(transactional_db, replica_server, settings, monkeypatch):
    settings.CRM_REPLICA_RETRY_SECONDS = 30
    _add_alias(monkeypatch, *replica_server)
    yield connections[REPLICA]
    _drop_alias()


@pytest.fixture
def replica_down(transactional_db, settings, monkeypatch):
    """A replica configured on a port where nothing listens (a stopped server)."""
    settings.CRM_REPLICA_RETRY_SECONDS = 30
    _add_alias(monkeypatch, "127.0.0.1", 1)
    yield
    _drop_alias()


def _primary_lsn() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        return cursor.fetchone()[0]


def wait_for_replay(replica, timeout=60):
    """Until the standby has replayed everything the primary committed so far."""
    target = _primary_lsn()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.1)
    raise AssertionError("the replica did not catch up")


def wait_for_no_lag(timeout=30):
    """Until the standby reports no lag (other sessions' WAL may keep it busy for a moment)."""
    deadline = time.monotonic() + timeout
    while replica_lag() != timedelta(0) and time.monotonic() < deadline:
        time.sleep(0.1)
    return replica_lag()


def test_the_replica_is_a_real_streaming_standby(replica):
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), status FROM pg_is_in_recovery(), "
                       "pg_stat_wal_receiver")
        assert cursor.fetchone() == (True, "streaming")
    with pytest.raises(Exception, match="read-only"):
        with replica.cursor() as cursor:
            cursor.execute("CREATE TABLE not_here (id int)")


def test_lag_tolerant_reads_go_to_the_replica_and_writes_stay_on_the_primary(org, replica):
    opportunity = OpportunityFactory(owner=org.sam, topic="Streamed deal")
    wait_for_replay(replica)

    with CaptureQueriesContext(replica) as on_replica_queries:
        with reading_from_replica():
            seen = Opportunity.objects.get(pk=opportunity.pk)
            # a write inside the block still goes to the primary (the standby is read-only)
            Opportunity.objects.filter(pk=opportunity.pk).update(topic="Renamed on primary")
    assert seen.topic == "Streamed deal" and seen._state.db == REPLICA
    assert len(on_replica_queries) == 1
    assert Opportunity.objects.get(pk=opportunity.pk).topic == "Renamed on primary"
    # outside the block every read is on the primary
    with CaptureQueriesContext(replica) as outside:
        Opportunity.objects.get(pk=opportunity.pk)
    assert len(outside) == 0


def test_dashboards_and_the_forecast_read_the_replica_record_pages_the_primary(org, web,
                                                                                 replica):
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")
    wait_for_replay(replica)
    client = web(org.maria)

    with CaptureQueriesContext(replica) as dashboard:
        assert client.get(reverse("dashboard-detail", args=["manager"]),
                          {"refresh": "1"}).status_code == 200
    with CaptureQueriesContext(replica) as forecast:
        assert client.get(reverse("forecast-grid"), {"refresh": "1"}).status_code == 200
    with CaptureQueriesContext(replica) as detail:
        assert client.get(opportunity.get_absolute_url()).status_code == 200

    assert any("opportunities_opportunity" in q["sql"] for q in dashboard.captured_queries)
    assert any("GROUP BY" in q["sql"] for q in forecast.captured_queries)
    assert len(detail) == 0  # read-your-writes: a record page is always on the primary


def test_a_replica_that_is_down_falls_back_to_the_primary_and_is_not_retried_at_once(
        org, web, replica_down):
    OpportunityFactory(owner=org.sam, stage="develop")
    client = web(org.maria)

    started = time.monotonic()
    response = client.get(reverse("dashboard-detail", args=["manager"]), {"refresh": "1"})
    assert response.status_code == 200 and "Develop" in response.content.decode()
    assert not db_router.replica_available()  # remembered for CRM_REPLICA_RETRY_SECONDS
    forecast = client.get(reverse("forecast-grid"), {"refresh": "1"})
    assert forecast.status_code == 200 and forecast.context["rows"]
    assert time.monotonic() - started < 10  # no long connection timeouts
    result, as_of = on_replica(lambda: Opportunity.objects.count())
    assert result == 1 and timezone.now() - as_of < timedelta(seconds=5)


def test_replica_lag_makes_the_dashboards_figures_older(org, web, replica):
    client = web(org.maria)
    OpportunityFactory(owner=org.sam, stage="develop")
    wait_for_replay(replica)
    assert wait_for_no_lag() == timedelta(0)
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        time.sleep(1.5)
        OpportunityFactory(owner=org.sam, stage="develop")  # streamed, not replayed
        deadline = time.monotonic() + 30
        while replica_lag() == timedelta(0) and time.monotonic() < deadline:
            time.sleep(0.1)
        lag = replica_lag()
        assert lag >= timedelta(seconds=1)

        response = client.get(reverse("dashboard-detail", args=["manager"]), {"refresh": "1"})

        oldest = response.context["oldest"]  # "figures as of" on the page
        assert timezone.now() - oldest >= lag - timedelta(seconds=1)
        forecast = client.get(reverse("forecast-grid"), {"refresh": "1"})
        assert timezone.now() - forecast.context["computed_at"] >= lag - timedelta(seconds=1)
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    wait_for_replay(replica)
    assert wait_for_no_lag() == timedelta(0)


def test_the_assistants_full_scan_reads_the_records_on_the_replica_and_the_cards_on_the_primary(
        org, replica):
    from crm.assistant import engine
    from crm.assistant.models import Card
    from leads.models import LeadStatus
    from tests.assistant.factories import LeadFactory

    now = timezone.now()
    lead = LeadFactory(owner=org.sam, status=LeadStatus.CONTACTED,
                       created_at=now - timedelta(days=30),
                       last_activity_at=now - timedelta(days=10))
    wait_for_replay(replica)

    with CaptureQueriesContext(replica) as on_the_replica:
        engine.scan(full=True, kinds=["lead_no_activity"])

    replica_sql = " ".join(q["sql"] for q in on_the_replica.captured_queries)
    assert "leads_lead" in replica_sql
    assert "assistant_card" not in replica_sql  # what the scan writes, it reads on the primary
    assert Card.objects.filter(record_type="lead", record_id=lead.pk,
                               kind="lead_no_activity").count() == 1
    # a second full scan, also from the replica, finds the card and creates no other
    engine.scan(full=True, kinds=["lead_no_activity"])
    assert Card.objects.filter(record_type="lead", record_id=lead.pk).count() == 1
