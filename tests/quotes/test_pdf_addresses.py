"""Issue 16 polish: CRM_COMPANY_ADDRESS is printed under the company name on quote and
invoice PDFs, together with the customer's address."""

import io

import pytest
from pypdf import PdfReader

from quotes.pdf import quote_pdf
from tests.factories import AccountFactory
from tests.invoices.factories import make_invoice

from .factories import OpportunityFactory, make_active_quote

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def company(settings):
    settings.CRM_COMPANY_NAME = "Contoso Supplies Inc."
    settings.CRM_COMPANY_ADDRESS = "77 Market Road; 10115 Berlin; Germany"


@pytest.fixture
def account(org):
    return AccountFactory(owner=org.sam, name="Zephyr Analytics", street="5 Pine Lane",
                          city="Seattle", state="WA", postal_code="98101", country="USA")


def test_quote_pdf_prints_company_and_customer_addresses(org, company, account):
    opportunity = OpportunityFactory(owner=org.sam, account=account)
    quote = make_active_quote(owner=org.sam, opportunity=opportunity)
    text = text_of(quote_pdf(quote))
    assert "Contoso Supplies Inc." in text
    assert "77 Market Road" in text and "10115 Berlin" in text and "Germany" in text
    assert "Zephyr Analytics" in text and "5 Pine Lane" in text and "98101 Seattle, WA" in text


def test_invoice_pdf_prints_company_and_customer_addresses(org, web, company, account):
    invoice = make_invoice(owner=org.sam, account=account)
    response = web(org.sam).get(f"/invoices/{invoice.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "77 Market Road" in text and "10115 Berlin" in text
    assert "5 Pine Lane" in text and "98101 Seattle, WA" in text


def test_no_company_address_prints_no_empty_block(org, settings, account):
    settings.CRM_COMPANY_ADDRESS = ""
    opportunity = OpportunityFactory(owner=org.sam, account=account)
    text = text_of(quote_pdf(make_active_quote(owner=org.sam, opportunity=opportunity)))
    assert "Market Road" not in text and "5 Pine Lane" in text
