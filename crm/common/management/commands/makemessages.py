"""Django's makemessages without fuzzy matching: a new message starts untranslated instead of
borrowing a similar message's translation marked "fuzzy" (which gettext then ignores anyway).
`make messages` runs it for every language in locale/."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
