import random
from datetime import timedelta

import pytest
from django.utils import timezone

from crm.activities.models import Activity
from leads.models import Lead


@pytest.fixture
def small_history(settings):
    """Lower the history threshold so a small synthetic history trains a model."""
    settings.CRM_SCORING_MIN_PER_OUTCOME = 20
    return settings


def make_closed_leads(owner, n: int, *, seed: int = 1, start_days_ago: int = 400):
    """`n` closed leads whose outcome follows the source (referrals qualify far more often) and
    answered emails, closed one per day going forward from `start_days_ago`."""
    rng = random.Random(seed)
    now = timezone.now()
    leads, emails = [], []
    for i in range(n):
        referral = rng.random() < 0.4
        qualified = rng.random() < (0.8 if referral else 0.2)
        closed_at = now - timedelta(days=start_days_ago) + timedelta(hours=12 * i)
        leads.append(Lead(
            topic=f"T{i}", last_name=f"L{i}", company=f"C{i}", owner=owner,
            source="employee_referral" if referral else "web",
            status="qualified" if qualified else "disqualified",
            status_changed_at=closed_at, created_at=closed_at - timedelta(days=20),
            updated_at=closed_at))
    Lead.objects.bulk_create(leads)
    for lead in leads:
        if lead.status == "qualified" and rng.random() < 0.5:
            emails.append(Activity(kind="email", direction="incoming", state="completed",
                                   subject="re", owner=owner, lead=lead,
                                   created_at=lead.status_changed_at - timedelta(days=2)))
    Activity.objects.bulk_create(emails)
    return leads
