"""PDF documents (quotes, invoices) rendered from Django templates with WeasyPrint.

A document is rendered on the server from data we hold, so it must never reach out to the
network: a template (or a customer name pasted with an `<img src=...>`) could otherwise make the
server fetch arbitrary URLs (SSRF) or hang on a slow host. The URL fetcher below serves only
files found by the static-files finders under `STATIC_URL` (and `data:` URIs, which carry their
own bytes); everything else is refused and WeasyPrint leaves that resource out.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# The base URL relative links are resolved against: a fake local origin, never fetched as such.
BASE_URL = "file:///"


class PdfResourceRefused(ValueError):
    """A template asked for a resource outside the local static files."""


def _static_path(url: str) -> str | None:
    """The file system path of a static file referenced by `url`, or None if it is not one."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = unquote(parts.path)
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix):]
    normalized = posixpath.normpath(relative)
    if normalized.startswith(("..", "/")) or normalized != relative.rstrip("/"):
        return None  # no climbing out of the static directories
    found = finders.find(normalized)
    if isinstance(found, list):
        found = found[0] if found else None
    if found is None and settings.STATIC_ROOT:
        from django.contrib.staticfiles.storage import staticfiles_storage

        try:
            if staticfiles_storage.exists(normalized):
                found = staticfiles_storage.path(normalized)
        except NotImplementedError:  # remote storage: not local, so not served
            found = None
    return found


class LocalStaticURLFetcher(URLFetcher):
    """Serve `STATIC_URL` files from disk and `data:` URIs; refuse everything else."""

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols={"file", "data"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = _static_path(url)
        if path is None:
            logger.info("PDF rendering refused a non-local resource: %s", url[:200])
            raise PdfResourceRefused(f"Only local static files may be used in a PDF: {url}")
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        with open(path, "rb") as handle:
            body = handle.read()
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def company_address_lines() -> list[str]:
    address = getattr(settings, "CRM_COMPANY_ADDRESS", "") or ""
    return [line.strip() for line in address.replace("\n", ";").split(";") if line.strip()]


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render `template_name` with `context` to PDF bytes (no network access).

    `company_name` defaults to settings.CRM_COMPANY_NAME and `company_address_lines` to
    settings.CRM_COMPANY_ADDRESS (";"- or newline-separated); see templates/pdf/base.html for
    the context the shared document layout understands.
    """
    context = {"company_name": settings.CRM_COMPANY_NAME,
               "company_address_lines": company_address_lines(), **context}
    html = render_to_string(template_name, context)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=LocalStaticURLFetcher())
    return document.write_pdf()
