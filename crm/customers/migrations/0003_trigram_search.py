from django.db import migrations

from crm.common.db import postgres_only_sql


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial"), ("common", "0003_pg_trgm")]

    operations = [
        postgres_only_sql(
            "CREATE INDEX IF NOT EXISTS account_name_trgm ON customers_account "
            "USING gin (name gin_trgm_ops)",
            "DROP INDEX IF EXISTS account_name_trgm",
        ),
        postgres_only_sql(
            "CREATE INDEX IF NOT EXISTS contact_last_name_trgm ON customers_contact "
            "USING gin (last_name gin_trgm_ops)",
            "DROP INDEX IF EXISTS contact_last_name_trgm",
        ),
    ]
