"""Input forms of the workspace pages: they parse and check fields; the services decide the rest."""

import re
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from forms_app.models import Form, Question
from forms_app.models.contacts import CONTACT_KINDS
from forms_app.models.forms import FONT_STACKS
from forms_app.models.text import ControlCharactersRefused
from forms_app.workspace.authoring import QUESTION_FIELDS, resources_checked
from forms_app.workspace.branding import LOGO_MAX_BYTES, logo_content_type
from forms_app.workspace.condition_picker import ConditionPickerForm, condition_subjects


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class FormCreateForm(ControlCharactersRefused, forms.Form):
    name = forms.CharField(max_length=200, label="Form name")
    slug = forms.SlugField(
        max_length=80,
        required=False,
        label="Address",
        help_text="Leave empty to derive it from the name.",
    )


class LinesField(forms.CharField):
    """A list edited as one item per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value) -> list[str]:
        return _lines(super().to_python(value))


class FormSettingsForm(ControlCharactersRefused, forms.ModelForm):
    allowed_sites = LinesField(
        required=False,
        label="Sites allowed to embed this form",
        help_text="One origin per line, e.g. https://www.example.com. Empty: only the direct link.",
    )
    key_pages = LinesField(
        required=False,
        label="Key pages",
        help_text="Paths that signal intent, one per line, e.g. /pricing.",
    )
    # Edited as rows (resource_title / resource_url pairs); this field only carries their errors.
    resources = forms.Field(required=False, widget=forms.HiddenInput)
    closes_at = forms.DateTimeField(
        required=False,
        label="Close on",
        help_text="Empty: the form stays open.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    logo = forms.FileField(
        required=False,
        label="Logo",
        help_text=f"PNG, JPEG, WebP or SVG, up to {LOGO_MAX_BYTES // 1024} KB. "
        "Shown above the form's title, up to 40 pixels high.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp,.svg"}),
    )
    logo_remove = forms.BooleanField(required=False, label="Remove the logo")

    class Meta:
        model = Form
        fields = [
            "name",
            "slug",
            "description",
            "submit_label",
            "accent_color",
            "font",
            "conversion_definition",
            "thank_you_message",
            "sales_ready_message",
            "booking_url",
            "sales_ready_redirect_url",
            "marketing_qualified_message",
            "marketing_qualified_redirect_url",
            "nurture_message",
            "nurture_redirect_url",
            "allowed_sites",
            "collect_browsing_signals",
            "key_pages",
            "sla_sales_ready_minutes",
            "sla_marketing_qualified_minutes",
            "sla_nurture_minutes",
            "retrain_enabled",
            "retrain_after_outcomes",
            "closes_at",
            "response_limit",
            "closed_message",
            "retention_days",
        ]
        labels = {
            "slug": "Address",
            "submit_label": "Submit button text",
            "accent_color": "Accent colour",
            "font": "Font",
            "conversion_definition": "What counts as a conversion",
            "thank_you_message": "Thank-you message",
            "sales_ready_message": "Message",
            "marketing_qualified_message": "Message",
            "nurture_message": "Message",
            "sales_ready_redirect_url": "Redirect after submit",
            "marketing_qualified_redirect_url": "Redirect after submit",
            "nurture_redirect_url": "Redirect after submit",
            "collect_browsing_signals": "Record browsing signals (with consent)",
            "booking_url": "Booking link",
            "sla_sales_ready_minutes": "Sales-ready",
            "sla_marketing_qualified_minutes": "Marketing-qualified",
            "sla_nurture_minutes": "Nurture",
            "retrain_enabled": "Retrain automatically when outcomes come in",
            "retrain_after_outcomes": "Retrain after this many new outcomes",
            "response_limit": "Close after this many responses",
            "closed_message": "Message shown when closed",
            "retention_days": "Anonymise leads after (days)",
        }
        help_texts = {
            "slug": "The form lives at /f/<address>/. It cannot change once the form has leads.",
            "nurture_message": "Empty: the thank-you message.",
            "booking_url": "Shown as “Book a time” until routing assigns a rep with their own.",
            "sales_ready_redirect_url": "Empty: the prospect sees the message above.",
            "marketing_qualified_redirect_url": "Empty: the prospect sees the message and "
            "resources.",
            "nurture_redirect_url": "Empty: the prospect sees the message.",
            "response_limit": "Complete responses from the form and the API count; imported "
            "leads do not. Empty: no limit.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "thank_you_message": forms.Textarea(attrs={"rows": 2}),
            "sales_ready_message": forms.Textarea(attrs={"rows": 2}),
            "marketing_qualified_message": forms.Textarea(attrs={"rows": 2}),
            "nurture_message": forms.Textarea(attrs={"rows": 2}),
            "closed_message": forms.Textarea(attrs={"rows": 2}),
            "accent_color": forms.TextInput(attrs={"type": "color"}),
            "conversion_definition": forms.RadioSelect,
            "font": forms.RadioSelect,
            "sales_ready_redirect_url": forms.URLInput(attrs={"placeholder": "https://"}),
            "marketing_qualified_redirect_url": forms.URLInput(attrs={"placeholder": "https://"}),
            "nurture_redirect_url": forms.URLInput(attrs={"placeholder": "https://"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["font"].required = False
        self.fields["closed_message"].required = False
        self.fields["retrain_after_outcomes"].widget.attrs["placeholder"] = str(
            settings.FORMSCORE_RETRAIN_AFTER_OUTCOMES
        )
        self.fields["retrain_after_outcomes"].help_text = (
            "Outcomes (qualified, won, lost…) recorded since the last training. "
            f"Empty: {settings.FORMSCORE_RETRAIN_AFTER_OUTCOMES}."
        )

    def clean_font(self) -> str:
        return self.cleaned_data["font"] or self.instance.font or Form.Font.SYSTEM

    def clean_closed_message(self) -> str:
        # Empty: the default message, since a closed form must say something.
        return self.cleaned_data["closed_message"] or Form._meta.get_field("closed_message").default

    def font_options(self) -> list[tuple]:
        """Each font choice with its stack, so the page shows a sample in it."""
        return [(option, FONT_STACKS[option.data["value"]]) for option in self["font"]]

    def resource_rows(self) -> list[dict[str, str]]:
        """The rows to show: as posted (kept on an error), else as stored."""
        if self.is_bound:
            return resources_from_post(self.data)
        return [dict(item) for item in self.instance.resources or [] if isinstance(item, dict)]

    def clean_resources(self) -> list[dict[str, str]]:
        try:
            return resources_checked(resources_from_post(self.data))
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["resources"]) from None

    def clean_logo(self) -> bytes | None:
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:  # judged before the file is read into memory
            raise forms.ValidationError(
                f"The logo is {-(-upload.size // 1024)} KB; the limit is "
                f"{LOGO_MAX_BYTES // 1024} KB. Export it smaller: a logo needs about 400 pixels "
                "across."
            )
        data = upload.read()
        logo_content_type(data)
        return data

    def setting_values(self) -> dict:
        """The cleaned settings as form_update takes them (the logo apart)."""
        values = {
            name: self.cleaned_data[name]
            for name in self.fields
            if name not in ("logo", "logo_remove")
        }
        return values | {
            "logo": self.cleaned_data.get("logo"),
            "logo_remove": self.cleaned_data.get("logo_remove", False),
        }

    def clean_allowed_sites(self) -> list[str]:
        origins = []
        for line in self.cleaned_data["allowed_sites"]:
            parts = urlsplit(line)
            if (
                parts.scheme not in ("http", "https")
                or not parts.netloc
                or parts.path not in ("", "/")
            ):
                raise forms.ValidationError(
                    f"“{line}” is not an origin; write it like https://www.example.com."
                )
            origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
        return list(dict.fromkeys(origins))

    def clean_key_pages(self) -> list[str]:
        pages = self.cleaned_data["key_pages"]
        for page in pages:
            if not page.startswith("/"):
                raise forms.ValidationError(f"“{page}” is not a path; start it with /.")
        return pages

    def clean_accent_color(self) -> str:
        color = self.cleaned_data["accent_color"]
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", color or ""):
            raise forms.ValidationError("Use a colour like #4338ca.")
        return color


class QuestionAddForm(ControlCharactersRefused, forms.Form):
    kind = forms.ChoiceField(choices=Question.Kind.choices, label="Kind")
    label = forms.CharField(max_length=300, label="Question")


class QuestionForm(ControlCharactersRefused, forms.ModelForm):
    class Meta:
        model = Question
        fields = list(QUESTION_FIELDS)
        labels = {
            "label": "Question",
            "help_text": "Help text",
            "feeds_score": "Use the answer in the score",
            "min_value": "Minimum",
            "max_value": "Maximum",
            "min_length": "Minimum length",
            "max_length": "Maximum length",
            "url_parameter": "URL parameter to capture",
            "step": "Step",
            "contact_role": "Contact detail",
        }
        help_texts = {
            "contact_role": "The inbox, lead page, messages, webhooks and exports show the "
            "contact's details from these answers; a repeat e-mail joins its contact.",
            "feeds_score": "The model learns from this answer; the points rules can use it anyway.",
            "step": "Questions with the same step are shown together on multi-step forms.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.instance.kind
        drop = set()
        if kind != Question.Kind.NUMBER:
            drop |= {"min_value", "max_value"}
        if kind not in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
            drop |= {"min_length", "max_length"}
        if kind != Question.Kind.HIDDEN:
            drop.add("url_parameter")
        else:
            drop |= {"required", "help_text", "placeholder"}
            self.fields["url_parameter"].required = True
        if kind in Question.CHOICE_KINDS | {Question.Kind.CONSENT}:
            drop.add("placeholder")
        if kind not in CONTACT_KINDS:
            drop.add("contact_role")
        for name in drop:
            del self.fields[name]
        if "contact_role" in self.fields:
            self.fields["contact_role"].choices = [
                ("", "Not a contact detail"),
                *self.fields["contact_role"].choices[1:],
            ]


def choices_from_post(data) -> list[dict]:
    """Choice rows posted as choice_value / choice_label pairs, in order (blank labels dropped),
    then one new choice per line of choices_text (blank lines skipped)."""
    values, labels = data.getlist("choice_value"), data.getlist("choice_label")
    rows = [
        {"value": value.strip(), "label": label.strip()}
        for value, label in zip(values, labels, strict=False)
        if label.strip()
    ]
    return rows + [{"value": "", "label": line} for line in _lines(data.get("choices_text", ""))]


def resources_from_post(data) -> list[dict[str, str]]:
    """Resource rows posted as resource_title / resource_url pairs, in order (empty rows
    dropped)."""
    titles, urls = data.getlist("resource_title"), data.getlist("resource_url")
    rows = [
        {"title": title.strip(), "url": url.strip()}
        for title, url in zip(titles, urls, strict=False)
    ]
    return [row for row in rows if row["title"] or row["url"]]


def condition_from_post(data) -> dict | None:
    """The condition posted as condition_question and condition_values (each "key::value")."""
    source = data.get("condition_question", "").strip()
    if not source:
        return None
    values = [
        raw.split("::", 1)[1]
        for raw in data.getlist("condition_values")
        if raw.startswith(f"{source}::")
    ]
    return {"question": source, "values": values}


class ThresholdsForm(forms.Form):
    marketing_qualified = forms.IntegerField(
        min_value=1, max_value=99, label="Marketing-qualified from"
    )
    sales_ready = forms.IntegerField(min_value=2, max_value=100, label="Sales-ready from")


class PointsRuleForm(ConditionPickerForm):
    """A points rule: a condition built by picking, and the points it gives."""

    points = forms.IntegerField(min_value=-1000, max_value=1000, label="Points")

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, subjects=condition_subjects(questions), **kwargs)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the input form: by field where it has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
