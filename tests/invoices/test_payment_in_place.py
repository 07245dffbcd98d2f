"""Issue 16: the payment form works in place on the invoice page (htmx). Errors come back in
the payments panel with what was typed; a recorded payment comes back listed in the panel with
its notice and sends `record-changed`, so the header (status), totals and overdue note refresh
from the page (they are its refreshable fragments)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from invoices.models import Payment

from .factories import make_invoice

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _post(client, invoice, **data):
    values = {"date": timezone.localdate().isoformat(), "reference": ""}
    values.update(data)
    return client.post(reverse("invoice-payment", args=[invoice.pk]), values, **HTMX)


def test_an_invalid_payment_comes_back_in_the_panel_with_the_typed_values(org, web):
    invoice = make_invoice(owner=org.sam)
    response = _post(web(org.sam), invoice, amount="500.00", reference="cheque 7")
    assert response.status_code == 200  # htmx swaps it in place
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="panel" id="payments">')
    assert "<html" not in html and "HX-Trigger" not in response.headers
    assert "more than the balance" in html and 'value="cheque 7"' in html
    assert 'value="500.00"' in html
    assert 'aria-invalid="true"' in html  # the error is linked to its input
    assert not Payment.objects.exists()

    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    html = _post(web(org.sam), invoice, amount="10.00", date=future).content.decode()
    assert "cannot be in the future" in html and f'value="{future}"' in html


def test_a_recorded_payment_refreshes_the_panel_and_the_page_fragments(org, web):
    today = timezone.localdate()
    invoice = make_invoice(owner=org.sam, issue_date=today - timedelta(days=45))
    client = web(org.sam)
    page = client.get(invoice.get_absolute_url()).content.decode()
    # the fragments that follow record-changed: the header brings the totals and overdue note
    assert re.search(r'id="record-header"[^>]*hx-trigger="record-changed from:body"', page)
    assert 'hx-select-oob="#record-details,#invoice-kpis,#invoice-overdue"' in page
    assert 'id="invoice-kpis"' in page and "Overdue by" in page
    assert f'hx-post="/invoices/{invoice.pk}/payments/"' in page

    response = _post(client, invoice, amount="100.00", reference="wire 1")
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "record-changed"
    html = response.content.decode()
    assert "Payment of 100.00 USD recorded. Balance due: 84.42 USD." in html
    assert "wire 1" in html and 'value="84.42"' in html  # listed; the form offers the rest
    assert Payment.objects.get().amount == 100

    # what the header's re-fetch brings: the new balance, still overdue
    page = client.get(invoice.get_absolute_url()).content.decode()
    kpis = re.search(r'<div class="kpis" id="invoice-kpis">.*?</div>\s*</div>\s*</div>', page,
                     re.S).group(0)
    assert "84.42" in kpis

    response = _post(client, invoice, amount="84.42")
    html = response.content.decode()
    assert "the invoice is paid in full" in html
    assert "Record a payment" not in html  # nothing left to pay
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert "Overdue by" not in page and '<div id="invoice-overdue"></div>' in page
    assert re.search(r"<h1>.*Paid.*</h1>", page, re.S)


def test_without_htmx_the_form_still_posts_and_redirects(org, web):
    invoice = make_invoice(owner=org.sam)
    response = web(org.sam).post(reverse("invoice-payment", args=[invoice.pk]), {
        "amount": "20.00", "date": timezone.localdate().isoformat()}, follow=True)
    assert response.redirect_chain[-1][0] == invoice.get_absolute_url()
    assert "Payment of 20.00 USD recorded." in response.content.decode()


def test_someone_who_cannot_change_the_invoice_cannot_pay_it_in_place(org, web):
    invoice = make_invoice(owner=org.sam)
    assert _post(web(org.olga), invoice, amount="1.00").status_code == 404
    assert _post(web(org.sofia), invoice, amount="1.00").status_code == 403
    assert not Payment.objects.exists()
