"""Seed the business process flow with the defaults of PROCESS.md (admins edit them later)."""

from django.db import migrations

STAGES = ["qualify", "develop", "propose", "close"]
PROBABILITY = {"qualify": 10, "develop": 30, "propose": 60, "close": 80}
# (stage, field, label, type, required, alternative)
STEPS = [
    ("qualify", "contact", "Contact", "contact", False, ""),
    ("qualify", "account", "Account", "account", True, "contact"),
    ("qualify", "purchase_timeframe", "Purchase timeframe", "choice", True, ""),
    ("qualify", "budget_amount", "Budget", "text", False, ""),
    ("qualify", "purchase_process", "Purchase process", "choice", False, ""),
    ("qualify", "decision_maker", "Decision maker identified", "boolean", False, ""),
    ("qualify", "description", "Summary", "text", False, ""),
    ("develop", "customer_need", "Customer need", "text", True, ""),
    ("develop", "proposed_solution", "Proposed solution", "text", False, ""),
    ("develop", "stakeholders_identified", "Stakeholders identified", "boolean", False, ""),
    ("develop", "competitors_identified", "Competitors identified", "boolean", False, ""),
    ("propose", "sales_team_identified", "Sales team identified", "boolean", False, ""),
    ("propose", "proposal_developed", "Proposal developed", "boolean", False, ""),
    ("propose", "internal_review_done", "Internal review done", "boolean", False, ""),
    ("propose", "proposal_presented", "Proposal presented", "boolean", True, ""),
    ("close", "final_proposal_done", "Final proposal done", "boolean", False, ""),
    ("close", "final_proposal_presented", "Final proposal presented", "boolean", False, ""),
    ("close", "decision_date", "Decision date", "date", True, ""),
    ("close", "thank_you_sent", "Thank-you sent", "boolean", False, ""),
    ("close", "debrief_filed", "Debrief filed", "boolean", False, ""),
]


def seed(apps, schema_editor):
    StageStep = apps.get_model("opportunities", "StageStep")
    StageSetting = apps.get_model("opportunities", "StageSetting")
    for stage in STAGES:
        StageSetting.objects.get_or_create(
            stage=stage, defaults={"default_probability": PROBABILITY[stage]}
        )
    for order, (stage, field, label, type_, required, alternative) in enumerate(STEPS):
        StageStep.objects.get_or_create(
            stage=stage, field=field,
            defaults={"label": label, "type": type_, "required": required,
                      "alternative": alternative, "order": order,
                      "stage_order": STAGES.index(stage)},
        )


def unseed(apps, schema_editor):
    apps.get_model("opportunities", "StageStep").objects.all().delete()
    apps.get_model("opportunities", "StageSetting").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
