"""`manage.py assistant_scan` runs the scan by hand and reports what it did."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from .conftest import NOW
from .factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_the_command_runs_a_full_scan_and_reports_the_figures(clock, org):
    LeadFactory(owner=org.sam, created_at=NOW - timedelta(hours=50))
    out = StringIO()

    call_command("assistant_scan", "--full", stdout=out)
    report = json.loads(out.getvalue())
    assert report["mode"] == "full"
    assert report["per_rule"]["lead_not_contacted"]["created"] == 1
    assert report["peak_rss_mb"] > 0
