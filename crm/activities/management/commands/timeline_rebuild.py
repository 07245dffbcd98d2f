from django.core.management.base import BaseCommand

from crm.activities import aggregation


class Command(BaseCommand):
    help = ("Aggregate the timeline read model and rollups: only what is pending, or "
            "everything with --all (idempotent; safe while workers run).")

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true",
                            help="mark every activity and event for re-aggregation first")

    def handle(self, *args, **options):
        result = aggregation.rebuild_all() if options["all"] else aggregation.catch_up()
        self.stdout.write(self.style.SUCCESS(
            f"Timeline aggregated: {result['items']} items, {result['records']} records."))
