from django.db import migrations

from crm.common.db import postgres_only_sql

# Trigram GIN indexes: similar-name duplicate detection (similarity on name_key) and the
# list/global search (`LIKE '%term%'` on the lowercase name and company keys).
TRIGRAM_INDEXES = {
    "lead_name_key_trgm": "name_key gin_trgm_ops",
    "lead_company_key_trgm": "company_key gin_trgm_ops",
}


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial"), ("common", "0003_pg_trgm")]

    operations = [
        postgres_only_sql(
            f"CREATE INDEX IF NOT EXISTS {name} ON leads_lead USING gin ({expr})",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, expr in TRIGRAM_INDEXES.items()
    ]
