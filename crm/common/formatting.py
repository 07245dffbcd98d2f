"""How a person reads an amount: the one money formatter for pages, PDFs, flash messages,
timeline notes, assistant cards and e-mails.

`format_money(Decimal("67284"), "USD")` -> "67,284.00 USD": rounded half-up to cents, thousands
grouped, the currency code after the amount when one is given; a missing amount reads "—".
(`crm.common.money` does the arithmetic; this module only presents.)
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MISSING = "—"


def _decimal(amount) -> Decimal | None:
    if amount is None or amount == "":
        return None
    if isinstance(amount, Decimal):
        return amount
    if isinstance(amount, float):  # e.g. a chart aggregate; shown, never computed with
        return Decimal(repr(amount))
    try:
        return Decimal(str(amount).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc


def format_money(amount, currency: str | None = None) -> str:
    """The amount as people read it everywhere: "1,234.50" or "1,234.50 EUR"."""
    number = _decimal(amount)
    if number is None:
        return MISSING
    if not number.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    number = number.quantize(CENT, rounding=ROUND_HALF_UP)
    if number == 0:
        number = abs(number)  # never "-0.00"
    text = f"{number:,.2f}"
    return f"{text} {currency}" if currency else text
