"""Issue 16: every template's visible text goes through a translation tag, and the German
catalog is complete and compiled."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from crm.common.management.commands.i18n_templates import template_files
from crm.common.template_i18n import find_untranslated, wrap_untranslated

TEMPLATES = template_files()
ROOT = Path(settings.BASE_DIR) / "templates"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_template_has_no_untranslated_text(path):
    findings = find_untranslated(path.read_text(), plain_text=path.suffix == ".txt")
    assert not findings, (
        f"{path.relative_to(ROOT)} has text outside translation tags (wrap it in "
        "{% translate %}/{% blocktranslate %}; `manage.py i18n_templates --fix PATH` does it "
        "mechanically):\n" + "\n".join(f"  line {f.line}: {f.text.strip()!r}" for f in findings))


def test_the_whole_template_tree_was_checked():
    assert len(TEMPLATES) > 100
    assert ROOT / "base.html" in TEMPLATES


def _texts(source, **kwargs):
    return [f.text.strip() for f in find_untranslated(source, **kwargs)]


def test_scanner_flags_text_attributes_and_sentences_with_variables():
    source = ('{% load i18n %}<h1>Leads</h1><p title="Open it">Read in {{ ms }} ms</p>'
              '<input placeholder="Search…" value="{{ q }}" class="wide">'
              '<button aria-label="{% translate "Close" %}">×</button>')
    assert _texts(source) == ["Leads", "Open it", "Read in {{ ms }} ms", "Search…"]


def test_scanner_ignores_code_symbols_comments_and_translated_text():
    source = ('{% load i18n %}{# A comment #}<!-- markup note --><p>{% translate "Saved" %} · '
              '{{ when }} – 42 %</p><code>POST /api/v1/</code>{% comment %}Draft{% endcomment %}'
              '<script src="/static/x.js"></script><style>p{color:red}</style>'
              '<p>{% blocktranslate with n=n %}{{ n }} rows{% endblocktranslate %}</p>'
              '<span class="{% if a %}badge{% endif %}">&nbsp;&times;</span>')
    assert _texts(source) == []


def test_plain_text_templates_are_checked_without_html():
    assert _texts("{% load i18n %}Hello {{ name }},\n<b>x</b>", plain_text=True) == [
        "Hello {{ name }},\n<b>x</b>"]


def test_the_fixer_wraps_text_into_translation_tags_that_render_the_same():
    from django.template import Context, Template

    source = ('{% extends "x.html" %}<p title="Open {{ name }}">Payment of {{ amount|upper }} '
              'received</p>')
    fixed, count = wrap_untranslated(source)
    assert count == 2
    assert fixed.startswith('{% extends "x.html" %}{% load i18n %}')
    assert find_untranslated(fixed) == []
    body = fixed.replace('{% extends "x.html" %}', "")
    html = Template(body).render(Context({"name": "Acme", "amount": "12 usd"}))
    assert html == '<p title="Open Acme">Payment of 12 USD received</p>'


def _read_po(path):
    """msgid (or (msgid, plural)) -> msgstr list, and the fuzzy msgids."""
    entries, fuzzy = {}, set()
    for block in path.read_text().split("\n\n"):
        fields, cur = {}, None
        for line in block.splitlines():
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                cur = match.group(1)
                fields[cur] = match.group(2)
            elif line.startswith('"') and cur:
                fields[cur] += line[1:-1]
        if "msgid" not in fields or not fields["msgid"]:
            continue
        unescape = lambda s: s.encode().decode("unicode_escape").encode("latin-1").decode()  # noqa: E731
        msgid = unescape(fields["msgid"])
        strs = [unescape(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        entries[msgid] = strs
        if "#, fuzzy" in block or re.search(r"^#,.*fuzzy", block, re.M):
            fuzzy.add(msgid)
    return entries


def test_german_catalog_is_complete_and_compiled():
    po_path = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES" / "django.po"
    entries = _read_po(po_path)
    assert len(entries) > 1500
    untranslated = [m for m, strs in entries.items() if not all(strs)]
    assert not untranslated, f"untranslated in {po_path}: {untranslated[:20]}"
    assert not re.search(r"^#,.*fuzzy", po_path.read_text().split("\n\n", 1)[1], re.M)
    with open(po_path.with_suffix(".mo"), "rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    for msgid, strs in entries.items():
        assert catalog.gettext(msgid) == strs[0] or catalog.ngettext(msgid, "", 1) == strs[0], (
            f"django.mo is stale (run `make messages`): {msgid!r}")


def test_scanner_flags_english_filter_arguments():
    source = ('{% load i18n %}<p>{{ a|default:"none yet" }} {{ b|yesno:_("Yes,No") }} '
              '{{ c|default:"—" }}</p>{% blocktranslate with n=x|default:"nobody" %}{{ n }}'
              '{% endblocktranslate %}')
    assert _texts(source) == ["none yet", "nobody"]
