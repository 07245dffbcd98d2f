"""Money helpers: Decimal only, two places, half-up rounding."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Every amount, quantity and rate column is at most DecimalField(max_digits=18,
# decimal_places=2): anything from 1e16 up cannot be stored (and 1e999999 cannot be rounded).
LIMIT = Decimal("1e16")


def to_decimal(value) -> Decimal:
    """Convert user input (str, int, Decimal) to Decimal; floats are refused on purpose.

    Raises ValueError for text that is not a number and for values no amount can be: NaN,
    sNaN, infinities, and magnitudes of 1e16 and more (services turn it into a field error).
    """
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a str or Decimal")
    if value is None or value == "":
        return ZERO
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if abs(number) >= LIMIT:
        raise ValueError(f"out of range: {value!r}")
    return number


def round_money(value) -> Decimal:
    try:
        return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # e.g. more digits than the context's precision
        raise ValueError(f"cannot round {value!r} to cents") from exc

