"""Stored match keys: E.164 phone keys on contacts, the company key on accounts (qualify finds
the lead's company by it); the raw-SQL trigram indexes of 0003 taken into the model state as
`TrigramIndex` (same names and definitions: nothing is rebuilt on PostgreSQL)."""

from django.db import migrations, models

from crm.common.db import TrigramIndex, adopt_index

BATCH = 2000


def fill_keys(apps, schema_editor):
    from crm.common.matching import company_key, phone_key

    Account = apps.get_model("customers", "Account")
    Contact = apps.get_model("customers", "Contact")
    _fill(Account, ["name"], ["company_key"], lambda a: [company_key(a.name)])
    _fill(Contact, ["business_phone", "mobile_phone", "country"], ["phone_key", "mobile_key"],
          lambda c: [phone_key(c.business_phone, c.country), phone_key(c.mobile_phone, c.country)])


def _fill(model, sources, keys, compute):
    """Batched by primary key: one read and one bulk update per BATCH rows."""
    last = 0
    while True:
        rows = list(model.objects.filter(pk__gt=last).order_by("pk").only(*sources)[:BATCH])
        if not rows:
            return
        last = rows[-1].pk
        changed = []
        for row in rows:
            values = compute(row)
            if any(values):
                for name, value in zip(keys, values, strict=True):
                    setattr(row, name, value)
                changed.append(row)
        if changed:
            model.objects.bulk_update(changed, keys, batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0004_contact_last_name_id_idx"),
        ("common", "0003_pg_trgm"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="company_key",
            field=models.CharField(blank=True, editable=False, max_length=160),
        ),
        migrations.AddField(
            model_name="contact",
            name="mobile_key",
            field=models.CharField(blank=True, editable=False, max_length=30),
        ),
        migrations.AddField(
            model_name="contact",
            name="phone_key",
            field=models.CharField(blank=True, editable=False, max_length=30),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(condition=models.Q(("company_key", ""), _negated=True),
                               fields=["company_key"], name="account_company_key_idx"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(condition=models.Q(("phone_key", ""), _negated=True),
                               fields=["phone_key"], name="contact_phone_key_idx"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(condition=models.Q(("mobile_key", ""), _negated=True),
                               fields=["mobile_key"], name="contact_mobile_key_idx"),
        ),
        adopt_index("customers.Account",
                    TrigramIndex(fields=["name"], name="account_name_trgm")),
        adopt_index("customers.Contact",
                    TrigramIndex(fields=["last_name"], name="contact_last_name_trgm")),
    ]
