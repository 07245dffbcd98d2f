from pathlib import Path

from django.core.management.base import BaseCommand

from crm.cardscan.accuracy import measure
from crm.cardscan.cards import SPLITS, generated_cards, write_cards
from crm.cardscan.corpus import corpus_specs, write_corpus


class Command(BaseCommand):
    help = ("Scan generated cards and print field-level accuracy and timings: the fixed corpus "
            "(default) or a split of the generated one (--split tuning|heldout).")

    def add_arguments(self, parser):
        parser.add_argument("--only", default="", help="only cards whose name contains this")
        parser.add_argument("--write", default="", help="also write the card images here")
        parser.add_argument("--split", default="", choices=["", *SPLITS],
                            help="a split of the generated corpus instead of the fixed one")
        parser.add_argument("--count", type=int, default=60, help="cards of the split")

    def handle(self, *args, only="", write="", split="", count=60, **options):
        if split:
            specs = [c for c in generated_cards(split, count) if only in c.name]
            if write:
                write_cards(Path(write), specs)
        else:
            if write:
                paths = write_corpus(Path(write))
                self.stdout.write(f"wrote {len(paths)} cards to {write}")
            specs = [s for s in corpus_specs() if only in s.name]
        self.stdout.write(measure(specs).summary())
