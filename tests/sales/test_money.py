"""Amounts as reps type them, by the one documented rule (forms_app/sales/money.py)."""

from decimal import Decimal

import pytest

from forms_app.sales.money import AmountError, amount_parsed, money_format


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("24000", "24000"),
        ("24,000", "24000"),
        ("$24,000", "24000"),
        ("24 000", "24000"),
        ("24\u202f000", "24000"),
        ("24.000", "24000"),  # one separator before three digits groups thousands
        ("24.000,50", "24000.50"),
        ("24,000.50", "24000.50"),
        ("1,250,000", "1250000"),
        ("1'250.5", "1250.50"),
        ("99.95", "99.95"),
        ("24,5", "24.50"),  # one separator before one or two digits is the decimal one
        ("1.2k", "1200"),
        ("5M", "5000000"),
        ("US$ 300", "300"),
        ("24000 USD", "24000"),
        ("0", "0"),
    ],
)
def test_common_formats_are_read(typed, amount):
    assert amount_parsed(typed, currency="USD") == Decimal(amount)


def test_a_symbol_of_the_workspace_currency_is_accepted_and_another_refused():
    assert amount_parsed("€1.2k", currency="EUR") == Decimal("1200")
    with pytest.raises(AmountError, match="Amounts are in USD; “€” is EUR"):
        amount_parsed("€1.2k", currency="USD")
    assert amount_parsed("CA$ 10", currency="CAD") == Decimal("10")
    assert amount_parsed("$10", currency="AUD") == Decimal("10")  # "$" is any dollar


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an amount like 24,000"),
        ("lots", "Enter an amount like 24,000"),
        ("-5", "cannot be negative"),
        ("$-5", "cannot be negative"),
        ("24,00,000", "Group thousands in threes"),
        ("1,2345", "at most two decimals"),
        ("12 apples", "Enter an amount like"),
        ("1.000,00.5", "Enter an amount like"),
    ],
)
def test_garbage_is_refused_with_a_message(typed, message):
    with pytest.raises(AmountError, match=message):
        amount_parsed(typed, currency="USD")


def test_amounts_are_shown_in_their_currency():
    assert money_format(Decimal("24000"), "USD") == "$24,000.00"
    assert money_format(Decimal("24000.5"), "EUR") == "€24,000.50"
    assert money_format(Decimal("1500"), "JPY") == "¥1,500"
    assert money_format(Decimal("90"), "CHF") == "CHF 90.00"
    assert money_format(Decimal("1500.50"), "USD", whole=True) == "$1,501"
    assert money_format(None, "USD") == ""
