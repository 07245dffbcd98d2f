"""`manage.py i18n_templates [--fix] [PATH...]`: list (or wrap) untranslated template text.

Without paths it checks every template under templates/. With --fix each file is read, wrapped
(crm.common.template_i18n.wrap_untranslated) and written back at once, one file at a time;
review the result: the wrapping is mechanical.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crm.common.template_i18n import find_untranslated, wrap_untranslated

# Templates that are not the product's own text (Django's widget overrides, the API docs page).
# common/_record_refresh.html is a fragment of HTML attributes, not text.
EXCLUDED = ("django/forms/", "drf_spectacular/", "common/_record_refresh.html")


def template_files(paths=None):
    root = Path(settings.BASE_DIR) / "templates"
    if paths:
        return [Path(p).resolve() for p in paths]
    return sorted(p for p in root.rglob("*") if p.suffix in {".html", ".txt"} and not any(
        p.relative_to(root).as_posix().startswith(e) for e in EXCLUDED))


class Command(BaseCommand):
    help = "List (or with --fix, wrap) template text that no translation tag covers."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*")
        parser.add_argument("--fix", action="store_true")

    def handle(self, *args, paths=None, fix=False, **options):
        missing = 0
        for path in template_files(paths):
            if fix:
                source = path.read_text()
                new, count = wrap_untranslated(source, path.suffix == ".txt")
                if count:
                    path.write_text(new)
                    self.stdout.write(f"{path}: wrapped {count}")
            for finding in find_untranslated(path.read_text(), path.suffix == ".txt"):
                missing += 1
                self.stdout.write(f"{path}:{finding.line}: {finding.text.strip()!r}")
        if missing and not fix:
            raise CommandError(f"{missing} untranslated text(s)")
