"""What a stored string may hold: no control characters but tab, line feed and carriage return.

PostgreSQL refuses NUL in text and in JSON, so one NUL in a referrer used to fail the insert and
lose the lead; the other C0 characters are invisible and break exports and terminals. Where a
person typed the text (answers, labels, notes) it is refused with a message they can act on;
where a browser or a file reported it (page URL, referrer, UTM, user agent, CSV cells) the
characters are stripped, so a lead is never lost to them.
"""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator

# C0 controls (U+0000–U+001F) but \t \n \r.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_CHARACTERS_MESSAGE = (
    "Remove the control characters (such as NUL): only printable text, tabs and line breaks."
)


def has_control_characters(text: str) -> bool:
    return _CONTROL_CHARACTERS.search(text) is not None


def control_characters_stripped(text: str) -> str:
    return _CONTROL_CHARACTERS.sub("", text)


def control_characters_refused(value: Any) -> None:
    """A validator for text fields (Django forms and DRF): a text, or a list of texts."""
    texts = value if isinstance(value, (list, tuple)) else [value]
    if any(isinstance(text, str) and has_control_characters(text) for text in texts):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


class ControlCharactersRefused:
    """A Django form mixin: every text field of the form refuses control characters (NUL
    included, with this one message rather than Django's own for NUL)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators = [
                    *(
                        v
                        for v in field.validators
                        if not isinstance(v, ProhibitNullCharactersValidator)
                    ),
                    control_characters_refused,
                ]
