"""The workspace's settings row: read (its defaults until first saved) and changed."""

from django.core.exceptions import ValidationError

from forms_app.models import CURRENCIES, WorkspaceSettings


def workspace_settings_get() -> WorkspaceSettings:
    """The one settings row, or (never saved yet) one with the defaults."""
    return WorkspaceSettings.current()


def workspace_currency() -> str:
    """The ISO 4217 code amounts are in."""
    return workspace_settings_get().currency


def workspace_settings_update(*, currency: str) -> WorkspaceSettings:
    """Change the currency amounts are shown in. Stored amounts are not converted: they were
    entered in the currency the team sells in, which is what this setting names."""
    currency = currency.strip().upper()
    if currency not in CURRENCIES:
        raise ValidationError({"currency": "Choose one of the listed currencies."})
    settings = workspace_settings_get()
    settings.currency = currency
    settings.save()
    return settings
