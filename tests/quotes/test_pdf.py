"""The printable quote: WeasyPrint output read back with pypdf, and the no-network fetcher."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from crm.common.pdf import LocalStaticURLFetcher, PdfResourceRefused, render_pdf
from quotes import services
from quotes.pdf import quote_pdf

from .factories import add_lines, make_active_quote, make_quote

pytestmark = pytest.mark.django_db


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_one_line_quote_prints_on_one_page_with_company_customer_and_totals(org, settings):
    settings.CRM_COMPANY_NAME = "Contoso Supplies Inc."
    quote = make_quote(owner=org.sam, lines=[("Widget", "2", "30.00", "8"),
                                             ("Cable", "3", "4.00", "8"),
                                             ("Install", "1", "89.50", "8")][:1])
    quote = services.quote_update(quote=quote, actor=org.sam, freight_amount=Decimal("10.00"))
    quote = services.quote_activate(quote=quote, actor=org.sam)

    reader = read(quote_pdf(quote))

    assert len(reader.pages) == 1
    text = text_of(reader)
    assert "Contoso Supplies Inc." in text
    assert quote.number in text and quote.account.name in text
    assert "Widget" in text
    assert "60.00" in text and "4.80" in text and "74.80 USD" in text
    assert "Net 30" in text and "valid until" in text.lower()


def test_the_184_42_vector_prints_its_totals(org):
    quote = make_quote(owner=org.sam, lines=[("Widget", "2", "30.00", "8"),
                                             ("Cable", "3", "4.00", "8"),
                                             ("Install", "1", "89.50", "8")])
    quote = services.quote_update(quote=quote, actor=org.sam, freight_amount=Decimal("10.00"))
    quote = services.quote_activate(quote=quote, actor=org.sam)

    text = text_of(read(quote_pdf(quote)))

    for figure in ("161.50", "12.92", "10.00", "184.42 USD"):
        assert figure in text


def test_a_sixty_line_quote_runs_to_two_pages_with_page_numbers(org):
    quote = add_lines(make_quote(owner=org.sam), 60)
    quote = services.quote_activate(quote=quote, actor=org.sam)

    reader = read(quote_pdf(quote))

    assert len(reader.pages) == 2
    text = text_of(reader)
    assert "Item 001" in text and "Item 060" in text
    assert "Page 1 of 2" in text and "Page 2 of 2" in text
    assert f"{quote.total:,.2f} USD" in text  # 648.00 USD


def test_the_pdf_shows_a_revision_and_a_closed_status(org):
    quote = make_active_quote(owner=org.sam)
    revision = services.quote_revise(quote=quote, actor=org.sam)
    services.quote_activate(quote=revision, actor=org.sam)
    text = text_of(read(quote_pdf(type(quote).objects.get(pk=quote.pk))))
    assert "Closed (revised)" in text
    text = text_of(read(quote_pdf(type(quote).objects.get(pk=revision.pk))))
    assert f"{quote.number} rev. 1" in text


def test_the_url_fetcher_serves_local_static_files_only():
    fetcher = LocalStaticURLFetcher()
    response = fetcher.fetch("file:///static/css/app.css")
    assert response.read().strip()
    for url in ("http://169.254.169.254/latest/meta-data/", "https://example.com/logo.png",
                "file:///etc/passwd", "file:///static/../crm/settings.py",
                "ftp://example.com/x"):
        with pytest.raises(PdfResourceRefused):
            fetcher.fetch(url)


def test_a_template_pointing_at_the_network_still_renders_without_fetching(tmp_path, settings):
    template_dir = tmp_path / "templates"
    template_dir.mkdir()
    (template_dir / "net.html").write_text(
        '<img src="http://127.0.0.1:9/never.png"><link rel="stylesheet" '
        'href="https://example.com/x.css"><p>Offline</p>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(template_dir)]}]
    pdf = render_pdf("net.html", {})
    assert "Offline" in text_of(read(pdf))
