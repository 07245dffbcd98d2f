"""List exports read on a REAL streaming replica (crm/common/db_router.py), inline and as a job;
with the replica down they read the primary and still export every row.

The replica fixtures are tests/common/test_replica.py's (`scripts/replica.sh`)."""

import csv
import io

import pytest
from django.test.utils import CaptureQueriesContext

from crm.common import db_router
from crm.listviews import export_jobs
from crm.listviews.models import ExportJob, ExportStatus
from tests.common.test_replica import (  # noqa: F401 - fixtures
    replica,
    replica_down,
    replica_server,
    wait_for_replay,
)
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/leads/?view=all&sort=company&cols=company,owner"


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_an_inline_export_reads_the_replica(org, web, replica):  # noqa: F811
    LeadFactory(owner=org.sam, company="Replicated Inc")
    wait_for_replay(replica)
    client = web(org.sam)

    with CaptureQueriesContext(replica) as on_the_replica:
        response = client.get(PATH + "&export=csv")
        table = _csv(response)

    assert table[1][0] == "Replicated Inc"
    sql = " ".join(q["sql"] for q in on_the_replica.captured_queries)
    assert "leads_lead" in sql and "COUNT(" in sql  # the bounded count and the rows


def test_an_export_job_reads_the_replica_and_writes_its_state_on_the_primary(
        org, settings, replica):  # noqa: F811
    LeadFactory.create_batch(3, owner=org.sam)
    wait_for_replay(replica)
    job = ExportJob.objects.create(owner=org.sam, resource="leads", query="view=all",
                                   format="csv", token="r1", filename="leads.csv")

    with CaptureQueriesContext(replica) as on_the_replica:
        assert export_jobs.export_job_run(job_id=job.pk) == "done"

    job.refresh_from_db()
    assert (job.status, job.row_count) == (ExportStatus.DONE, 3)
    sql = " ".join(q["sql"] for q in on_the_replica.captured_queries)
    assert "leads_lead" in sql
    assert "listviews_exportjob" not in sql and "notifications_notification" not in sql


def test_with_the_replica_down_exports_read_the_primary(
        org, web, settings, replica_down):  # noqa: F811
    LeadFactory(owner=org.sam, company="Fresh Ltd")
    client = web(org.sam)

    table = _csv(client.get(PATH + "&export=csv"))
    assert [r[0] for r in table[1:]] == ["Fresh Ltd"]
    assert not db_router.replica_available()  # remembered: the next reads go to the primary

    settings.CRM_EXPORT_INLINE_MAX_ROWS = 0  # a job (run at once: Celery is eager here)
    response = client.get(PATH + "&export=csv")
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert (job.status, job.row_count) == (ExportStatus.DONE, 1)
