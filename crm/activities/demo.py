"""Demo activities: calls, notes, e-mails, tasks and appointments on the demo customers, spread
over the last weeks so every timeline, "My activities" view and the calendar feed has content."""

from datetime import timedelta

from django.utils import timezone

from . import services
from .aggregation import catch_up
from .models import Activity, ActivityKind

CALL_SUBJECTS = ["Intro call", "Discussed requirements", "Follow-up on proposal",
                 "Pricing questions", "Checked in after the demo", "Renewal conversation"]
NOTES = ["Prefers e-mail over phone; best reached mornings.",
         "Budget is approved for next quarter.",
         "Currently evaluating a competitor; decision in about four weeks.",
         "Met at the trade fair; interested in the integration package."]
TASKS = ["Send the proposal", "Prepare the demo environment", "Share reference customers",
         "Follow up on the contract", "Book the onboarding workshop"]


def _backdate(activity: Activity, when) -> None:
    # Demo history: move the activity into the past and let the aggregation place it there.
    Activity.objects.filter(pk=activity.pk).update(created_at=when, timeline_synced=False)


def seed(ctx: dict) -> None:
    rng = ctx["rng"]
    now = timezone.now()
    for index, contact in enumerate(ctx["contacts"]):
        owner = contact.owner
        for _n in range(1 + index % 3):
            call = services.activity_create(
                actor=owner, kind=ActivityKind.PHONE_CALL, regarding=contact,
                subject=rng.choice(CALL_SUBJECTS), direction=rng.choice(["outgoing", "incoming"]),
                duration_minutes=rng.choice([5, 10, 15, 25, 40]), completed=True,
                description="Notes from the call: next steps agreed.",
            )
            _backdate(call, now - timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 8)))
        if index % 2 == 0:
            note = services.activity_create(actor=owner, kind=ActivityKind.NOTE,
                                            regarding=contact, description=rng.choice(NOTES))
            _backdate(note, now - timedelta(days=rng.randint(0, 20)))
        if index % 3 == 0:
            email = services.activity_create(
                actor=owner, kind=ActivityKind.EMAIL, regarding=contact, completed=True,
                subject="Your questions about the licence model", direction="outgoing",
                email_from=owner.email, email_to=contact.email,
                description="Hello,\nplease find the answers below.\nBest regards",
            )
            _backdate(email, now - timedelta(days=rng.randint(0, 10)))
    for index, account in enumerate(ctx["accounts"]):
        owner = account.owner
        # Due dates spread over overdue, today, this week and later.
        due = now + timedelta(days=(index % 5) - 2, hours=rng.randint(1, 6))
        services.activity_create(actor=owner, kind=ActivityKind.TASK, regarding=account,
                                 subject=rng.choice(TASKS), due_at=due,
                                 priority="high" if index % 4 == 0 else "normal")
        if index % 2 == 0:
            start = (now + timedelta(days=index % 6, hours=2)).replace(minute=0, second=0,
                                                               microsecond=0)
            services.activity_create(
                actor=owner, kind=ActivityKind.APPOINTMENT, regarding=account,
                subject=f"Meeting with {account.name}", starts_at=start,
                ends_at=start + timedelta(hours=1), location=account.city or "Video call",
                attendees=account.email,
            )
    ctx["activities_seeded"] = True


def finish(ctx: dict) -> None:
    """After every app's seed: history written in bulk carries no queued timeline task, so
    aggregate it now and every timeline and "last activity" is filled on the first login."""
    catch_up()
