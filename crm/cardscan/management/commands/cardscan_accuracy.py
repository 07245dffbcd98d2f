from pathlib import Path

from django.core.management.base import BaseCommand

from crm.cardscan.accuracy import measure
from crm.cardscan.corpus import corpus_specs, write_corpus


class Command(BaseCommand):
    help = "Scan the generated card corpus and print field-level accuracy and timings."

    def add_arguments(self, parser):
        parser.add_argument("--only", default="", help="only cards whose name contains this")
        parser.add_argument("--write", default="", help="also write the card images here")

    def handle(self, *args, only="", write="", **options):
        if write:
            paths = write_corpus(Path(write))
            self.stdout.write(f"wrote {len(paths)} cards to {write}")
        specs = [s for s in corpus_specs() if only in s.name]
        self.stdout.write(measure(specs).summary())
