"""Deal amounts: reading what a rep types ("$24,000", "24.000,50", "€1.2k") and showing one.

The rule for separators, the same everywhere (the inbox, bulk outcomes):
- Spaces and apostrophes always group thousands ("24 000", "1'250").
- With both "," and ".", the last one is the decimal separator ("24,000.50", "24.000,50").
- With one of them, used more than once, it groups thousands ("1,250,000", "1.250.000").
- Used once, it groups thousands when exactly three digits follow it ("24,000" and "24.000" are
  both 24000, never 24 and a fraction), and is the decimal separator otherwise ("24,5", "99.95").
- A "k" or "m" after the number multiplies by a thousand or a million ("€1.2k" is 1200); there a
  single separator is always the decimal one ("1.250k" is 1250).
- A currency symbol or ISO code before or after the number is accepted when it can mean the
  workspace's currency ("$" for any dollar); another currency is refused, never converted.
- Groups after the first have three digits; at most two decimals; no negative amounts.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from forms_app.models import CURRENCIES

EXAMPLE = "Enter an amount like 24,000 or 24000.50."

_DOLLARS = {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"}
# What people type for a currency, lower-cased, to the codes it can mean.
_MARKERS: dict[str, set[str]] = {
    "$": _DOLLARS,
    "us$": {"USD"},
    "ca$": {"CAD"},
    "c$": {"CAD"},
    "a$": {"AUD"},
    "au$": {"AUD"},
    "nz$": {"NZD"},
    "s$": {"SGD"},
    "hk$": {"HKD"},
    "mx$": {"MXN"},
    "r$": {"BRL"},
    "€": {"EUR"},
    "£": {"GBP"},
    "¥": {"JPY", "CNY"},
    "cn¥": {"CNY"},
    "₹": {"INR"},
    "rs": {"INR"},
    "kr": {"SEK", "NOK", "DKK"},
    "zł": {"PLN"},
    "kč": {"CZK"},
    "r": {"ZAR"},
    "fr": {"CHF"},
}
_GROUPING = " '’\u00a0\u202f"
_AMOUNT = re.compile(
    r"(?P<before>[^\d]*?)\s*(?P<number>\d(?:[\d.,'’ \u00a0\u202f]*\d)?)\s*(?P<scale>[kKmM])?"
    r"(?P<after>[^\d]*)"
)
_SCALES = {"k": Decimal(1000), "m": Decimal(1_000_000)}


class AmountError(ValueError):
    """What is wrong with a typed amount, in words for the person who typed it."""


def _currency_checked(marker: str, currency: str) -> None:
    marker = marker.strip().lower()
    if not marker:
        return
    codes = _MARKERS.get(marker) or ({marker.upper()} if marker.upper() in CURRENCIES else None)
    if codes is None:
        raise AmountError(EXAMPLE)
    if currency not in codes:
        named = "/".join(sorted(codes))
        raise AmountError(
            f"Amounts are in {currency}; “{marker}” is {named}. Enter it in {currency}."
        )


def amount_parsed(text: str, *, currency: str) -> Decimal:
    """The amount typed, by the rule above; AmountError says what is wrong."""
    text = (text or "").strip()
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise AmountError(EXAMPLE)
    before, after = match["before"].strip(), match["after"].strip()
    if before.startswith("-") or before.endswith("-") or after.startswith("-"):
        raise AmountError("The amount cannot be negative.")
    if before and after:
        raise AmountError(EXAMPLE)
    _currency_checked(before or after, currency)
    number, scale = match["number"], (match["scale"] or "").lower()
    marks = [c for c in number if c in ".,"]
    if "." in marks and "," in marks:
        decimal = marks[-1]
        if marks.count(decimal) > 1:
            raise AmountError(EXAMPLE)
    elif len(marks) == 1:
        digits_after = len(number) - number.index(marks[0]) - 1
        decimal = marks[0] if scale or digits_after != 3 else None
    else:
        decimal = None
    whole, _, fraction = number.rpartition(decimal) if decimal else (number, "", "")
    groups = re.split(r"[.,'’ \u00a0\u202f]", whole)
    separators = set(re.findall(r"[.,'’ \u00a0\u202f]", whole))
    if len(separators) > 1 and not separators <= set(_GROUPING):
        raise AmountError(EXAMPLE)
    if (len(groups[0]) > 3 and len(groups) > 1) or any(len(g) != 3 for g in groups[1:]):
        raise AmountError(f"Group thousands in threes. {EXAMPLE}")
    if not fraction.isdigit() and fraction:
        raise AmountError(EXAMPLE)
    if len(fraction) > 2 and not scale:
        raise AmountError("Use at most two decimals.")
    try:
        amount = Decimal("".join(groups) + ("." + fraction if fraction else ""))
    except InvalidOperation:
        raise AmountError(EXAMPLE) from None
    if scale:
        amount *= _SCALES[scale]
    return amount.quantize(Decimal("0.01"))


def money_format(
    amount: Decimal | int | float | None, currency: str, *, whole: bool = False
) -> str:
    """An amount in the currency, as people read it: "$24,000.00", "¥1,500", "CHF 90.00";
    whole: rounded to whole units, for totals ("$1,204,500")."""
    if amount is None:
        return ""
    _, symbol, decimals = CURRENCIES.get(currency, (currency, f"{currency} ", 2))
    places = Decimal(1) if whole else Decimal(1).scaleb(-decimals)
    return f"{symbol}{Decimal(amount).quantize(places, ROUND_HALF_UP):,}"
