"""Find (and wrap) text in templates that a person reads but no translation tag covers.

Used by `tests/common/test_template_i18n.py` (a template with untranslated visible text fails
the suite) and by `manage.py i18n_templates [--fix] [PATH...]`, which wraps such text in
`{% translate %}` / `{% blocktranslate %}` so a new template can be fixed mechanically and then
reviewed.

What counts as visible text: HTML text outside `<script>`, `<style>`, `<code>`, `<kbd>`,
`<pre>` and HTML comments, and the values of the attributes people read (`title`,
`placeholder`, `aria-label`, `alt`, `data-confirm`, ...). Template variables, tags and comments
are not text; text inside `{% blocktranslate %}` is translated. Filter arguments people read
(`|default:"none yet"`, `|yesno:"Yes,No"`) must be `_("...")` literals. A run of text and variables
with no template tag or HTML tag in between is one message ("Read in {{ ms }} ms" becomes one
blocktranslate); pieces without a letter (symbols, numbers, "·", "—") are left alone.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from django.template.base import DebugLexer, TokenType

# Attribute values people read (screen readers included).
TRANSLATABLE_ATTRIBUTES = {
    "title", "placeholder", "aria-label", "alt", "data-confirm", "aria-description",
    "aria-valuetext", "label", "data-confirm-text", "data-label", "data-empty",
    "data-loading-text",
}
RAW_ELEMENTS = {"script", "style"}
CODE_ELEMENTS = {"code", "kbd", "pre", "samp"}
# Exact texts that read the same in every language (brands, units, codes).
ALLOWED_TEXTS = {
    "CRM", "API", "ID", "URL", "CSV", "PDF", "ICS", "HTML", "JSON", "OK", "e.g.", "UTC", "Swagger",
    "IMAP", "SMTP", "TLS", "SSL", "VAT", "ISO", "x", "X", "×", "&times;", "&nbsp;",
    "ms", "s", "KB", "MB", "GB", "HTTP", "SKU", "IBAN", "BIC",
}
LETTER = re.compile(r"[^\W\d_]")
# A filter argument people read, written as a bare literal instead of _("...").
LITERAL_ARGUMENT = re.compile(r"\|(default|default_if_none|yesno):(\"|')([^\"']*)\2")
ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);?")


def _has_letter(text: str) -> bool:
    return bool(LETTER.search(ENTITY.sub(" ", text)))
_SKIP_UNTIL = {
    "blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans",
    "comment": "endcomment", "verbatim": "endverbatim",
}
_LEFT_STRIP = " \t\r\n·—–|•,.:/-"
_RIGHT_STRIP = " \t\r\n·—–|•,/-"
_RESERVED = {"count", "context", "trimmed", "asvar", "with", "noop", "as", "and", "plural"}


@dataclass
class Piece:
    kind: str  # "text" or "var"
    start: int
    end: int
    text: str


@dataclass
class Run:
    pieces: list[Piece] = field(default_factory=list)
    in_attribute: bool = False

    def add_text(self, start: int, end: int, text: str):
        if self.pieces and self.pieces[-1].kind == "text" and self.pieces[-1].end == start:
            last = self.pieces[-1]
            last.end, last.text = end, last.text + text
        else:
            self.pieces.append(Piece("text", start, end, text))


@dataclass
class Finding:
    line: int
    text: str
    start: int
    end: int
    pieces: list[Piece]
    in_attribute: bool


class _Scanner:
    """A small HTML state machine over a Django template's tokens."""

    def __init__(self, source: str, plain_text: bool = False):
        self.source = source
        self.plain_text = plain_text
        self.findings: list[Finding] = []

    def scan(self) -> list[Finding]:
        tokens = DebugLexer(self.source).tokenize()
        state = "text"  # text | tag | attr | comment | raw
        raw_end = ""
        tag_name = ""
        tag_reading_name = False
        attr_name = ""
        quote = ""
        code_depth = 0
        skip_until = None
        run = Run()
        for token in tokens:
            start, end = token.position
            if token.token_type in (TokenType.VAR, TokenType.BLOCK) and not skip_until:
                self._literal_arguments(token, start)
            if skip_until:
                if token.token_type == TokenType.BLOCK and token.contents.split()[:1] == [skip_until]:
                    skip_until = None
                continue
            if token.token_type == TokenType.BLOCK:
                bits = token.contents.split()
                name = bits[0] if bits else ""
                if name in _SKIP_UNTIL:
                    skip_until = _SKIP_UNTIL[name]
                elif name == "block" and len(bits) > 1 and re.search(r"style|script|css|js|class|attrs",
                                                                      bits[1]):
                    skip_until = "endblock"
                self._flush(run)
                run = Run(in_attribute=state == "attr")
                continue
            if token.token_type == TokenType.COMMENT:
                self._flush(run)
                run = Run(in_attribute=state == "attr")
                continue
            if token.token_type == TokenType.VAR:
                if state == "text" and not code_depth or (
                        state == "attr" and attr_name in TRANSLATABLE_ATTRIBUTES):
                    run.pieces.append(Piece("var", start, end, token.contents))
                continue
            text = self.source[start:end]
            i = 0
            n = len(text)
            while i < n:
                ch = text[i]
                if state == "text":
                    if ch == "<" and not self.plain_text:
                        if text.startswith("<!--", i):
                            self._flush(run)
                            run = Run()
                            state = "comment"
                            i += 4
                            continue
                        m = re.match(r"</?([A-Za-z][A-Za-z0-9-]*)", text[i:])
                        if m or text.startswith("<!", i):
                            self._flush(run)
                            run = Run()
                            state = "tag"
                            tag_name = (m.group(0) if m else "!").lower()
                            tag_reading_name = False
                            attr_name = ""
                            i += len(m.group(0)) if m else 2
                            continue
                    if not code_depth:
                        run.add_text(start + i, start + i + 1, ch)
                    i += 1
                elif state == "comment":
                    j = text.find("-->", i)
                    if j < 0:
                        break
                    state, i = "text", j + 3
                elif state == "raw":
                    j = text.lower().find(raw_end, i)
                    if j < 0:
                        break
                    state, i = "text", j
                elif state == "tag":
                    if ch == ">":
                        name = tag_name.lstrip("<")
                        if name in RAW_ELEMENTS:
                            state, raw_end = "raw", f"</{name}"
                        else:
                            state = "text"
                            if name in CODE_ELEMENTS:
                                code_depth += 1
                            elif name.startswith("/") and name[1:] in CODE_ELEMENTS:
                                code_depth = max(0, code_depth - 1)
                        run = Run()
                        i += 1
                        continue
                    if ch in "\"'" and i > 0 and text[i - 1] == "=":
                        state, quote = "attr", ch
                        run = Run(in_attribute=True)
                        i += 1
                        continue
                    if ch.isspace() or ch in "/=":
                        tag_reading_name = False
                    elif not tag_reading_name:
                        attr_name, tag_reading_name = ch.lower(), True
                    else:
                        attr_name += ch.lower()
                    i += 1
                elif state == "attr":
                    if ch == quote:
                        self._flush(run)
                        run = Run()
                        state = "tag"
                        tag_reading_name = False
                        i += 1
                        continue
                    if attr_name in TRANSLATABLE_ATTRIBUTES:
                        run.add_text(start + i, start + i + 1, ch)
                    i += 1
        self._flush(run)
        return self.findings

    def _literal_arguments(self, token, start: int):
        """`{{ x|default:"none yet" }}`: an English literal shown to people needs `_("...")`."""
        for match in LITERAL_ARGUMENT.finditer(token.contents):
            text = match.group(3)
            if _has_letter(text) and text not in ALLOWED_TEXTS:
                line = self.source.count("\n", 0, start) + 1
                self.findings.append(Finding(line, text, start, start, [], False))

    def _flush(self, run: Run):
        pieces = run.pieces
        lettered = [k for k, p in enumerate(pieces) if p.kind == "text" and _has_letter(p.text)]
        if not lettered:
            return
        i0, i1 = lettered[0], lettered[-1]
        first, last = pieces[i0], pieces[i1]
        # Where the message starts inside the first lettered text and ends inside the last.
        lead = len(first.text) - len(first.text.lstrip(_LEFT_STRIP))
        trail = len(last.text) - len(last.text.rstrip(_RIGHT_STRIP))
        start = first.start + lead
        end = last.end - trail
        before = first.text[:lead]
        after = last.text[len(last.text) - trail:] if trail else ""
        # A variable right before/after the words belongs to the sentence ("{{ n }} fields",
        # "Payment of {{ amount }}"), unless punctuation separates them ("{{ team }} · Sales").
        if i0 > 0 and pieces[i0 - 1].kind == "var" and re.fullmatch(r"\s*", before):
            i0 -= 1
            start = pieces[i0].start
            if i0 > 0 and pieces[i0 - 1].kind == "text":
                opener = re.search(r"[“\"'(]+$", pieces[i0 - 1].text)
                if opener and not _has_letter(pieces[i0 - 1].text[opener.start():]):
                    start -= len(opener.group(0))
        if i1 + 1 < len(pieces) and pieces[i1 + 1].kind == "var" and re.fullmatch(
                r"[\s:#“(\"']*", after):
            i1 += 1
            end = pieces[i1].end
            if i1 + 1 < len(pieces) and pieces[i1 + 1].kind == "text":
                closer = re.match(r"[”\"')\].!?…:]+", pieces[i1 + 1].text)
                if closer:
                    end += len(closer.group(0))
        inner = [p for p in pieces if p.end > start and p.start < end]
        text = self.source[start:end]
        words = " ".join(p.text for p in inner if p.kind == "text").strip(_LEFT_STRIP)
        if text.strip() in ALLOWED_TEXTS or words in ALLOWED_TEXTS:
            return
        line = self.source.count("\n", 0, start) + 1
        self.findings.append(Finding(line, text, start, end, inner, run.in_attribute))


def find_untranslated(source: str, plain_text: bool = False) -> list[Finding]:
    """Every run of visible text in the template source that no translation tag covers
    (`plain_text`: a .txt template, no HTML in it)."""
    return _Scanner(source, plain_text).scan()


def _var_name(expression: str, taken: dict[str, str]) -> str:
    if expression in taken:
        return taken[expression]
    base = expression.split("|")[0].strip().split(".")[-1]
    name = re.sub(r"\W", "_", base).strip("_").lower() or "value"
    if name[0].isdigit() or keyword.iskeyword(name) or name in _RESERVED:
        name = f"{name}_value"
    candidate, k = name, 2
    while candidate in taken.values():
        candidate, k = f"{name}{k}", k + 1
    taken[expression] = candidate
    return candidate


def _replacement(source: str, finding: Finding, plain_text: bool) -> str | None:
    text = source[finding.start:finding.end]
    variables = [p for p in finding.pieces if p.kind == "var"]
    if any("_(" in p.text for p in variables):
        return None
    if not variables and "\n" not in text and not re.search(r"[\"'&<>%\\]", text) and not plain_text:
        return '{% translate "' + text + '" %}'
    taken: dict[str, str] = {}
    body = []
    position = finding.start
    for piece in variables:
        body.append(source[position:piece.start])
        body.append("{{ " + _var_name(piece.text.strip(), taken) + " }}")
        position = piece.end
    body.append(source[position:finding.end])
    options = ""
    if taken:
        options += " with " + " ".join(f"{name}={expr}" for expr, name in taken.items())
    if "\n" in text and not plain_text:
        options += " trimmed"
    return "{% blocktranslate" + options + " %}" + "".join(body) + "{% endblocktranslate %}"


def wrap_untranslated(source: str, plain_text: bool = False) -> tuple[str, int]:
    """The template with every untranslated run wrapped; `{% load i18n %}` added when needed.
    Returns the new source and the number of runs wrapped."""
    findings = find_untranslated(source, plain_text)
    count = 0
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        if finding.start == finding.end:  # a literal filter argument: fixed by hand
            continue
        new = _replacement(source, finding, plain_text)
        if new is None:
            continue
        source = source[:finding.start] + new + source[finding.end:]
        count += 1
    if count and not re.search(r"\{%\s*load\s[^%]*\bi18n\b", source):
        extends = re.match(r"\s*\{%\s*extends\s[^%]*%\}", source)
        at = extends.end() if extends else 0
        source = source[:at] + "{% load i18n %}" + source[at:]
    return source, count
