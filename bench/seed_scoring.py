"""Plant known effects in a seeded bench history, for the scoring models to recover:
`python -m bench.seed_scoring` (after `python -m bench.seed`; DATABASE_URL = the bench db).

The plain seed draws outcomes and features independently (nothing to learn). This step keeps
every record's outcome and redraws some features *given* the outcome, so the effects are known:

- leads: referral sources (employee / external referral) are 35% of qualified leads and 6% of
  disqualified ones; hot rating and a committed budget lean qualified; replies (incoming
  emails in the 14 days before the close) average 1.2 on qualified leads, 0.25 on others;
- opportunities: a meeting in the 14 days before the close on 55% of won deals, 12% of lost
  ones; close-date slips (0-3) mostly on lost deals; hot rating leans won.

Open records get the features at in-between rates. Closed leads get a close moment
(status_changed_at) and closed deals an actual close date in the past. Activities go in
without timeline entries (the scoring reads activities; the timeline is not measured here).
"""

import argparse
import io
import os
import random
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

REFERRALS = ["employee_referral", "external_referral"]


def _pick(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _poisson(rng, mean: float) -> int:
    # Knuth; means here are small.
    import math

    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _update(table: str, columns: list[str], types: list[str], rows: list[tuple]) -> None:
    """UPDATE table SET columns FROM a temp table COPYed with (id, *columns) rows."""
    from django.db import connection

    from bench.copy import _cell

    defs = ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE _plant (id bigint, {defs})")
        buf = io.StringIO("".join("\t".join(_cell(v) for v in r) + "\n" for r in rows))
        cursor.cursor.copy_expert("COPY _plant FROM STDIN", buf)
        sets = ", ".join(f"{c} = _plant.{c}" for c in columns)
        cursor.execute(f"UPDATE {table} x SET {sets} FROM _plant WHERE x.id = _plant.id")
        cursor.execute("DROP TABLE _plant")


def plant_leads(rng, now, load) -> dict:
    from crm.activities.models import Activity
    from leads.models import Lead

    rows = list(Lead.objects.values_list("id", "status", "created_at", "owner_id", "source"))
    updates, emails = [], []
    for pk, status, created, owner, source in rows:
        if status == "qualified":
            p_ref, hot, budget, replies = 0.35, [("hot", 50), ("warm", 35), ("cold", 15)], \
                [("will_buy", 35), ("can_buy", 35), ("may_buy", 20), ("no_committed_budget", 10)], \
                1.2
        elif status == "disqualified":
            p_ref, hot, budget, replies = 0.06, [("hot", 15), ("warm", 35), ("cold", 50)], \
                [("will_buy", 10), ("can_buy", 20), ("may_buy", 30), ("no_committed_budget", 40)], \
                0.25
        else:
            p_ref, hot, budget, replies = 0.15, [("hot", 30), ("warm", 35), ("cold", 35)], \
                [("will_buy", 20), ("can_buy", 25), ("may_buy", 25), ("no_committed_budget", 30)], \
                0.6
        if rng.random() < p_ref:
            source = rng.choice(REFERRALS)
        elif source in REFERRALS:
            source = "web"
        closed = status in ("qualified", "disqualified")
        moment = min(created + timedelta(days=1 + rng.random() * 60), now - timedelta(hours=1)) \
            if closed else now
        if moment <= created:
            moment = created + timedelta(minutes=5)
        updates.append((pk, source, _pick(rng, hot), _pick(rng, budget),
                        moment if closed else None))
        for _ in range(_poisson(rng, replies)):
            when = moment - timedelta(days=rng.random() * 13.5)
            if when > created:
                emails.append((pk, owner, when))
    _update("leads_lead", ["source", "rating", "budget_status", "status_changed_at"],
            ["varchar(30)", "varchar(10)", "varchar(30)", "timestamptz"], updates)

    def email(i, pk):
        lead, owner, when = emails[i]
        return {"kind": "email", "state": "completed", "direction": "incoming",
                "subject": f"Re: your offer {pk}", "owner_id": owner, "lead_id": lead,
                "created_at": when, "updated_at": when, "completed_at": when,
                "timeline_synced": True, "priority": "normal"}

    load(Activity, len(emails), email, "scoring: lead replies")
    return {"leads": len(updates), "replies": len(emails)}


def plant_opportunities(rng, now, load) -> dict:
    from crm.activities.models import Activity
    from crm.scoring.models import CloseDateSlip
    from opportunities.models import Opportunity

    today = now.date()
    rows = list(Opportunity.objects.values_list("id", "status", "created_at", "owner_id",
                                                "actual_close_date", "estimated_close_date"))
    updates, meetings, slips = [], [], []
    for pk, status, created, owner, close_date, estimated in rows:
        if status == "won":
            p_meet, slip_dist, hot = 0.55, [(0, 70), (1, 20), (2, 10), (3, 0)], \
                [("hot", 45), ("warm", 35), ("cold", 20)]
        elif status == "lost":
            p_meet, slip_dist, hot = 0.12, [(0, 30), (1, 30), (2, 25), (3, 15)], \
                [("hot", 15), ("warm", 35), ("cold", 50)]
        else:
            p_meet, slip_dist, hot = 0.3, [(0, 50), (1, 25), (2, 15), (3, 10)], \
                [("hot", 30), ("warm", 35), ("cold", 35)]
        closed = status in ("won", "lost")
        if closed:
            close_date = min(close_date or today, today - timedelta(days=1))
            if close_date < created.date():
                close_date = created.date()
            end = now.replace(year=close_date.year, month=close_date.month,
                              day=close_date.day, hour=0, minute=0, second=0,
                              microsecond=0) + timedelta(days=1)
        else:
            end = now
        updates.append((pk, _pick(rng, hot), close_date if closed else None))
        if rng.random() < p_meet:
            for _ in range(rng.choice((1, 1, 2))):
                starts = end - timedelta(days=0.5 + rng.random() * 13)
                meetings.append((pk, owner, max(starts - timedelta(days=3), created), starts))
        span = max((end - created).total_seconds(), 3600)
        for _ in range(_pick(rng, slip_dist)):
            when = created + timedelta(seconds=rng.random() * span * 0.95)
            base = (estimated or today) - timedelta(days=rng.randint(20, 90))
            slips.append((pk, base, base + timedelta(days=rng.randint(7, 45)), when))
    _update("opportunities_opportunity", ["rating", "actual_close_date"],
            ["varchar(10)", "date"], [(pk, r, d) for pk, r, d in updates])
    # Open deals keep a null actual close date (the UPDATE above wrote null only for them).

    def meeting(i, pk):
        opp, owner, created, starts = meetings[i]
        return {"kind": "appointment", "state": "completed", "subject": f"Meeting {pk}",
                "owner_id": owner, "opportunity_id": opp, "created_at": created,
                "updated_at": created, "starts_at": starts, "ends_at": starts
                + timedelta(hours=1), "completed_at": starts + timedelta(hours=1),
                "timeline_synced": True, "priority": "normal"}

    load(Activity, len(meetings), meeting, "scoring: deal meetings")

    def slip(i, pk):
        opp, before, after, when = slips[i]
        return {"opportunity_id": opp, "from_date": before, "to_date": after,
                "occurred_at": when}

    load(CloseDateSlip, len(slips), slip, "scoring: close-date slips")
    return {"opportunities": len(updates), "meetings": len(meetings), "slips": len(slips)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    django.setup()
    from django.db import connection
    from django.utils import timezone

    from bench.seed import Seeder
    from crm.scoring.models import CloseDateSlip

    if CloseDateSlip.objects.exists():
        raise SystemExit("this history already has planted effects")
    seeder = Seeder(scale=1, seed=args.seed)
    rng = random.Random(args.seed)
    now = timezone.now()
    started = time.perf_counter()
    print(f"Planting scoring effects into {connection.settings_dict['NAME']}")
    print(plant_leads(rng, now, seeder.load))
    print(plant_opportunities(rng, now, seeder.load))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    for label, count, seconds in seeder.report:
        print(f"  {label:<30} {count:>10,} rows {seconds:8.1f} s")
    print(f"Done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
