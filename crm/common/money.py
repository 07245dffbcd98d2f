"""Money helpers: Decimal only, two places, half-up rounding."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_decimal(value) -> Decimal:
    """Convert user input (str, int, Decimal) to Decimal; floats are refused on purpose."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a str or Decimal")
    if value is None or value == "":
        return ZERO
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def round_money(value) -> Decimal:
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value, currency: str = "") -> str:
    amount = round_money(value)
    text = f"{amount:,.2f}"
    return f"{text} {currency}".strip()
