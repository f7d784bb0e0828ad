from django.db import models

# ISO 4217 codes offered in Settings: the currencies our customers sell in. The symbol is how an
# amount is shown (a prefix; codes where a bare symbol would be ambiguous across currencies);
# `decimals` is the currency's minor unit.
CURRENCIES = {
    "USD": ("US dollar", "$", 2),
    "EUR": ("Euro", "€", 2),
    "GBP": ("Pound sterling", "£", 2),
    "CAD": ("Canadian dollar", "CA$", 2),
    "AUD": ("Australian dollar", "A$", 2),
    "NZD": ("New Zealand dollar", "NZ$", 2),
    "CHF": ("Swiss franc", "CHF ", 2),
    "SEK": ("Swedish krona", "SEK ", 2),
    "NOK": ("Norwegian krone", "NOK ", 2),
    "DKK": ("Danish krone", "DKK ", 2),
    "PLN": ("Polish złoty", "PLN ", 2),
    "CZK": ("Czech koruna", "CZK ", 2),
    "JPY": ("Japanese yen", "¥", 0),
    "CNY": ("Chinese yuan", "CN¥", 2),
    "INR": ("Indian rupee", "₹", 2),
    "SGD": ("Singapore dollar", "S$", 2),
    "HKD": ("Hong Kong dollar", "HK$", 2),
    "BRL": ("Brazilian real", "R$", 2),
    "MXN": ("Mexican peso", "MX$", 2),
    "ZAR": ("South African rand", "ZAR ", 2),
}
DEFAULT_CURRENCY = "USD"


class WorkspaceSettings(models.Model):
    """The workspace's own settings: one row (ROW), created with its defaults on first read.

    Nothing on the submit path reads it, so a change needs no SettingsRevision bump.
    """

    currency = models.CharField(
        max_length=3,
        choices=[(code, f"{code} · {name}") for code, (name, _, _) in CURRENCIES.items()],
        default=DEFAULT_CURRENCY,
        help_text="ISO 4217 code of the currency deal amounts are in.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    ROW = 1

    class Meta:
        verbose_name_plural = "workspace settings"

    def __str__(self) -> str:
        return f"Workspace settings ({self.currency})"

    @classmethod
    def current(cls) -> "WorkspaceSettings":
        """The one row, or (never saved yet) one with the defaults: one query, no write on a
        read."""
        return cls.objects.filter(pk=cls.ROW).first() or cls(pk=cls.ROW)
