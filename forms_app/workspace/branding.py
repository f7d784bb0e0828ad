"""A form's branding: its logo (checked by content, stored in the database) and an accent colour
the button's white text stays readable on.

The logo is shown on the public form, inside other sites' pages: only raster images and SVGs
without scripts, event handlers or references to other files pass, and the logo is served with
a policy that runs nothing (views/logo.py), shown only as an <img>.
"""

import hashlib
import re
import xml.etree.ElementTree as ElementTree

from django.core.exceptions import ValidationError
from django.db import transaction

from forms_app.models import Form, FormLogo

LOGO_MAX_BYTES = 200 * 1024
MIN_BUTTON_CONTRAST = 4.5  # WCAG AA for normal text: the submit button's white label
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_SVG_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "image"}
_SVG_LINK_ATTRIBUTES = {"href", "src"}
NOT_AN_IMAGE = "This file is not a PNG, JPEG, WebP or SVG image."


def logo_content_type(data: bytes) -> str:
    """The logo's media type, judged by its bytes (never by its name); ValidationError if it is
    too big, not an image we show, or an SVG that could do more than draw."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            f"The logo is {_kilobytes(len(data))} KB; the limit is {LOGO_MAX_BYTES // 1024} KB. "
            "Export it smaller: a logo needs about 400 pixels across."
        )
    if not data:
        raise ValidationError("The file is empty.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if _looks_like_svg(data):
        _svg_checked(data)
        return "image/svg+xml"
    raise ValidationError(NOT_AN_IMAGE)


def _kilobytes(size: int) -> int:
    return -(-size // 1024)


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:4096].lower()


def _svg_checked(data: bytes) -> None:
    unsafe = ValidationError(
        "This SVG holds scripts, event handlers or links to other files, which a form cannot "
        "show safely. Export it as plain shapes, or upload a PNG."
    )
    if b"<!doctype" in data.lower() or b"<!entity" in data.lower():
        raise unsafe  # entities are how an XML file reaches outside itself or explodes
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise ValidationError(NOT_AN_IMAGE) from None
    if _local(root.tag) != "svg":
        raise ValidationError(NOT_AN_IMAGE)
    for element in root.iter():
        if _local(element.tag) in _SVG_FORBIDDEN_ELEMENTS:
            raise unsafe
        for name, value in element.attrib.items():
            name = _local(name)
            if name.startswith("on"):
                raise unsafe
            if name in _SVG_LINK_ATTRIBUTES and not value.strip().startswith("#"):
                raise unsafe
            if "url(" in value.replace(" ", "") and "url(#" not in value.replace(" ", ""):
                raise unsafe
        if _local(element.tag) == "style" and "@import" in (element.text or "").lower():
            raise unsafe


def _local(name: str) -> str:
    return str(name).rsplit("}", 1)[-1].lower()


def form_logo_set(*, form: Form, data: bytes) -> FormLogo:
    """Store the form's logo (checked), replacing any earlier one."""
    content_type = logo_content_type(data)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        logo, _ = FormLogo.objects.update_or_create(
            form=form, defaults={"content": data, "content_type": content_type, "sha256": digest}
        )
        form.logo_hash = digest
        form.save(update_fields=["logo_hash", "updated_at"])
    return logo


def form_logo_remove(*, form: Form) -> None:
    with transaction.atomic():
        FormLogo.objects.filter(form=form).delete()
        form.logo_hash = ""
        form.save(update_fields=["logo_hash", "updated_at"])


def contrast_with_white(color: str) -> float:
    """The WCAG contrast ratio of white text on this #rrggbb colour."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def accent_color_checked(color: str) -> str:
    """The colour, if the submit button's white text is readable on it (ValidationError if not)."""
    if not _HEX.fullmatch(color or ""):
        raise ValidationError({"accent_color": "Use a colour like #4338ca."})
    ratio = contrast_with_white(color)
    if ratio < MIN_BUTTON_CONTRAST:
        raise ValidationError(
            {
                "accent_color": f"White button text on {color.lower()} has a contrast of only "
                f"{ratio:.1f}:1; pick a darker colour (at least {MIN_BUTTON_CONTRAST}:1) so "
                "everyone can read the button."
            }
        )
    return color.lower()
