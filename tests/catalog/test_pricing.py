from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.catalog.pricing import PricingError, document_totals, line_totals

D = Decimal


def test_the_process_md_vector_totals_184_42():
    lines = [
        line_totals(quantity=1, unit_price="60.00", tax_rate="8"),      # 4.80
        line_totals(quantity=1, unit_price="12.00", tax_rate="8"),      # 0.96
        line_totals(quantity=1, unit_price="89.50", tax_rate="8"),      # 7.16
    ]
    totals = document_totals(lines, freight_amount="10.00")
    assert totals.detail_amount == D("161.50")
    assert totals.total_tax == D("12.92")
    assert totals.pre_freight_amount == D("161.50")
    assert totals.total == D("184.42")


def test_line_tax_rounds_half_up_per_line():
    line = line_totals(quantity=1, unit_price="0.05", tax_rate="10")  # 0.005 -> 0.01
    assert line.tax == D("0.01")
    line = line_totals(quantity=3, unit_price="33.335", tax_rate="0")  # 100.005 -> 100.01
    assert line.base == D("100.01")


def test_manual_discount_is_taken_before_tax():
    line = line_totals(quantity=2, unit_price="50.00", manual_discount="10.00", tax_rate="20")
    assert (line.base, line.amount, line.tax) == (D("100.00"), D("90.00"), D("18.00"))


def test_document_discount_percent_and_amount_add_up():
    lines = [line_totals(quantity=1, unit_price="200.00", tax_rate="0")]
    totals = document_totals(lines, discount_percent="10", discount_amount="5.00",
                             freight_amount="7.50")
    assert totals.total_discount == D("25.00")
    assert totals.pre_freight_amount == D("175.00")
    assert totals.total == D("182.50")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": 0, "unit_price": "1"}, "quantity"),
        ({"quantity": 1, "unit_price": "-1"}, "unit_price"),
        ({"quantity": 1, "unit_price": "10", "manual_discount": "11"}, "manual_discount"),
        ({"quantity": 1, "unit_price": "10", "tax_rate": "101"}, "tax_rate"),
    ],
)
def test_bad_line_input_is_refused_naming_the_field(kwargs, field):
    with pytest.raises(PricingError) as exc:
        line_totals(**kwargs)
    assert exc.value.field == field


def test_floats_are_refused():
    with pytest.raises(TypeError):
        line_totals(quantity=1, unit_price=0.1)


def test_document_discount_above_detail_is_refused():
    lines = [line_totals(quantity=1, unit_price="10.00")]
    with pytest.raises(PricingError):
        document_totals(lines, discount_amount="10.01")


money = st.decimals(min_value=D("0"), max_value=D("100000"), places=2, allow_nan=False,
                    allow_infinity=False)
qty = st.decimals(min_value=D("0.01"), max_value=D("1000"), places=2, allow_nan=False,
                  allow_infinity=False)
rate = st.decimals(min_value=D("0"), max_value=D("30"), places=2, allow_nan=False,
                   allow_infinity=False)


@given(q=qty, price=money, tax=rate, disc_share=st.integers(0, 100))
def test_line_invariants(q, price, tax, disc_share):
    base = (q * price).quantize(D("0.01"))
    discount = (base * disc_share / 100).quantize(D("0.01"))
    line = line_totals(quantity=q, unit_price=price, manual_discount=discount, tax_rate=tax)
    # every figure is exact to the cent, never negative, and amount + discount == base
    for value in (line.base, line.amount, line.tax):
        assert value == value.quantize(D("0.01"))
        assert value >= 0
    assert line.amount + line.manual_discount == line.base
    # tax is within half a cent of the exact product
    assert abs(line.tax - line.amount * tax / 100) <= D("0.005")


@given(
    lines=st.lists(st.tuples(qty, money, rate), min_size=1, max_size=12),
    freight=money,
    pct=st.decimals(min_value=D("0"), max_value=D("50"), places=2),
)
def test_document_invariants(lines, freight, pct):
    priced = [line_totals(quantity=q, unit_price=p, tax_rate=t) for q, p, t in lines]
    totals = document_totals(priced, discount_percent=pct, freight_amount=freight)
    assert totals.detail_amount == sum(line.amount for line in priced)
    assert totals.total_tax == sum(line.tax for line in priced)
    assert totals.total == (totals.detail_amount - totals.total_discount + totals.freight_amount
                            + totals.total_tax)
    assert totals.total >= totals.freight_amount
    assert totals.total == totals.total.quantize(D("0.01"))
