"""The API's JSON parser: DRF's, bounded.

Refused with 400 (never a RecursionError or a database error, i.e. a 500):
- nesting deeper than MAX_DEPTH arrays/objects (no request of this API nests more than a few);
- numbers that overflow to infinity (`1e999999`) and the NaN/Infinity constants;
- NUL characters in any string or key (PostgreSQL stores neither text nor jsonb with them);
  the form parsers below refuse them in form fields too.
"""

import codecs
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

MAX_DEPTH = 64


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ParseError(_("JSON parse error - number out of range: %(n)s") % {"n": text[:40]})
    return value


def _refuse_constant(name: str):
    raise ParseError(_("JSON parse error - %(name)s is not a number.") % {"name": name})


def check_parsed(data, *, max_depth: int = MAX_DEPTH) -> None:
    """Walk parsed JSON iteratively: 400 past `max_depth` or on a NUL character."""
    stack = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                raise ParseError(_("JSON nested deeper than %(n)d levels.") % {"n": max_depth})
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    raise _nul_error(path or "non_field_errors")
                stack.append((item, depth + 1, path or str(key)))
        elif isinstance(value, str) and "\x00" in value:
            raise _nul_error(path or "non_field_errors")


def _nul_error(field: str) -> ValidationError:
    return ValidationError({field: [_("Null characters are not allowed.")]})


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser with a depth limit, finite numbers and no NUL characters."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(_("JSON parse error - %(e)s") % {"e": exc}) from None
        try:
            # The C decoder counts its own recursion: 100,000 `[` stop at Python's recursion
            # limit with a RecursionError, caught here; the walk below applies the real bound.
            data = json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(
                _("JSON nested deeper than %(n)d levels.") % {"n": self.max_depth}) from None
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(e)s") % {"e": exc}) from None
        check_parsed(data, max_depth=self.max_depth)
        return data


def _check_form(data, files=None) -> None:
    for key, values in data.lists():
        for value in values:
            if "\x00" in key or (isinstance(value, str) and "\x00" in value):
                raise _nul_error(key)
    for key, upload in (files or {}).items():
        if "\x00" in (getattr(upload, "name", "") or ""):
            raise _nul_error(key)


class NulSafeFormParser(FormParser):
    """DRF's FormParser refusing NUL characters (a JSON text sent in a form field included)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class NulSafeMultiPartParser(MultiPartParser):
    """DRF's MultiPartParser refusing NUL characters in fields and file names."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _check_form(result.data, result.files)
        return result


__all__ = ["MAX_DEPTH", "BoundedJSONParser", "NulSafeFormParser", "NulSafeMultiPartParser",
           "check_parsed"]
