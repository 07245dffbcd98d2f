from django.db import migrations

from crm.common.db import postgres_only_sql


class Migration(migrations.Migration):
    dependencies = [("common", "0002_initial")]

    operations = [
        postgres_only_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm", ""),
    ]
