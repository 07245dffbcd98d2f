"""Phone keys become E.164 (phonenumbers; national numbers read in the lead's country, else
CRM_DEFAULT_PHONE_REGION), recomputed for existing leads in batches; the raw-SQL trigram
indexes of 0002 taken into the model state as `TrigramIndex` (same names and definitions:
nothing is rebuilt on PostgreSQL)."""

from django.db import migrations

from crm.common.db import TrigramIndex, adopt_index

BATCH = 2000


def e164_keys(apps, schema_editor):
    from crm.common.matching import phone_key

    Lead = apps.get_model("leads", "Lead")
    last = 0
    while True:
        rows = list(Lead.objects.filter(pk__gt=last).order_by("pk")
                    .only("business_phone", "mobile_phone", "country", "phone_key",
                          "mobile_key")[:BATCH])
        if not rows:
            return
        last = rows[-1].pk
        changed = []
        for lead in rows:
            keys = (phone_key(lead.business_phone, lead.country),
                    phone_key(lead.mobile_phone, lead.country))
            if keys != (lead.phone_key, lead.mobile_key):
                lead.phone_key, lead.mobile_key = keys
                changed.append(lead)
        if changed:
            Lead.objects.bulk_update(changed, ["phone_key", "mobile_key"], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("leads", "0005_lead_owner_open_idx"),
        ("common", "0003_pg_trgm"),
    ]

    operations = [
        migrations.RunPython(e164_keys, migrations.RunPython.noop, elidable=False),
        adopt_index("leads.Lead", TrigramIndex(fields=["name_key"], name="lead_name_key_trgm")),
        adopt_index("leads.Lead",
                    TrigramIndex(fields=["company_key"], name="lead_company_key_trgm")),
    ]
