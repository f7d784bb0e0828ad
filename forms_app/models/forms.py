import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from forms_app.models.contacts import ContactRole, contact_role_inferred
from forms_app.models.revision import SettingsRevision

_KEY_MAX = 64
# Where a prospect may be sent: a web page, never ftp: or javascript:.
WEB_ADDRESS = URLValidator(
    schemes=["http", "https"],
    message="Enter a web address that starts with https:// (or http://).",
)


def stable_key(text: str, taken: set[str], *, fallback: str = "field") -> str:
    """A snake_case identifier for text, unique among taken (suffixing _2, _3 …)."""
    base = re.sub(r"[^a-z0-9]+", "_", slugify(text).lower()).strip("_")[: _KEY_MAX - 4]
    if not base or not base[0].isalpha():
        base = f"{fallback}_{base}".strip("_")
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


# A few safe system font stacks (no web fonts: nothing is fetched from another host).
FONT_STACKS = {
    "system": 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    "humanist": 'Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", source-sans-pro, '
    "sans-serif",
    "rounded": 'ui-rounded, "Hiragino Maru Gothic ProN", Quicksand, Comfortaa, Manjari, '
    '"Arial Rounded MT", "Arial Rounded MT Bold", Calibri, source-sans-pro, sans-serif',
    "serif": 'Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, serif',
    "mono": 'ui-monospace, "Cascadia Code", "Source Code Pro", Menlo, Consolas, '
    '"DejaVu Sans Mono", monospace',
}


class Form(models.Model):
    class Font(models.TextChoices):
        SYSTEM = "system", "System"
        HUMANIST = "humanist", "Humanist sans"
        ROUNDED = "rounded", "Rounded sans"
        SERIF = "serif", "Serif"
        MONO = "mono", "Monospace"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class Conversion(models.TextChoices):
        QUALIFIED = "qualified", "Qualified or won"
        WON = "won", "Won only"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.DRAFT)
    # Bumped whenever the questions change, so cached Django Form classes are rebuilt.
    revision = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)
    submit_label = models.CharField(max_length=60, default="Submit")
    accent_color = models.CharField(max_length=7, default="#4338ca")
    thank_you_message = models.TextField(
        default="Thanks! We have your answers and will be in touch shortly."
    )
    sales_ready_threshold = models.PositiveSmallIntegerField(default=80)
    marketing_qualified_threshold = models.PositiveSmallIntegerField(default=60)
    conversion_definition = models.CharField(
        max_length=12, choices=Conversion, default=Conversion.QUALIFIED
    )
    allowed_sites = models.JSONField(
        default=list, blank=True, help_text="Origins allowed to embed this form."
    )
    # The next step a prospect sees after submitting, per tier.
    sales_ready_message = models.TextField(
        default="Great fit! Pick a time that suits you and we'll walk you through it.",
        blank=True,
    )
    marketing_qualified_message = models.TextField(
        default="Thanks! While we prepare, these resources answer the usual first questions.",
        blank=True,
    )
    nurture_message = models.TextField(blank=True)  # empty: the thank-you message
    booking_url = models.URLField(
        blank=True, help_text="Default booking link for sales-ready leads, before routing."
    )
    # [{"title": "Pricing guide", "url": "https://…"}] shown to marketing-qualified leads.
    resources = models.JSONField(default=list, blank=True)
    # First-party browsing signals recorded by the embed script (only with the prospect's consent).
    collect_browsing_signals = models.BooleanField(default=False)
    key_pages = models.JSONField(
        default=list, blank=True, help_text='Paths that signal intent, e.g. "/pricing".'
    )
    # Where the prospect goes after submitting, per tier, instead of the next-step page.
    sales_ready_redirect_url = models.URLField(max_length=500, blank=True, validators=[WEB_ADDRESS])
    marketing_qualified_redirect_url = models.URLField(
        max_length=500, blank=True, validators=[WEB_ADDRESS]
    )
    nurture_redirect_url = models.URLField(max_length=500, blank=True, validators=[WEB_ADDRESS])
    font = models.CharField(max_length=12, choices=Font, default=Font.SYSTEM)
    # The logo's bytes live in FormLogo (never loaded with the form); its hash names its URL, so
    # the public page builds the address without a query and browsers cache it for good.
    logo_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Closing: after this moment, or once this many responses arrived, the form shows
    # closed_message and refuses submits.
    closes_at = models.DateTimeField(null=True, blank=True)
    response_limit = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # Complete responses counted towards response_limit, only while a limit is set (written in
    # the lead's transaction, so the submit never counts leads: see capture.closing).
    response_count = models.PositiveIntegerField(default=0, editable=False)
    closed_message = models.TextField(
        default="This form is closed and no longer accepts responses. Thank you for your interest."
    )
    # Time to first contact per tier, in minutes (empty: no SLA for that tier).
    sla_sales_ready_minutes = models.PositiveIntegerField(
        null=True, blank=True, default=60, validators=[MinValueValidator(1)]
    )
    sla_marketing_qualified_minutes = models.PositiveIntegerField(
        null=True, blank=True, default=24 * 60, validators=[MinValueValidator(1)]
    )
    sla_nurture_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # New outcomes since the last training that trigger a retrain (empty: the setting's default).
    retrain_after_outcomes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    retrain_enabled = models.BooleanField(default=True)
    # Days after which a lead's contact details and free text are cleared (empty: kept forever).
    retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Empty: leads are kept as they are. Otherwise, after this many days a lead's "
        "contact details, free-text answers and URLs with query strings are cleared; choices, "
        "numbers, scores and outcomes stay, so models keep learning.",
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(marketing_qualified_threshold__gt=0)
                & Q(sales_ready_threshold__gt=F("marketing_qualified_threshold"))
                & Q(sales_ready_threshold__lte=100),
                name="form_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def is_closed_at(self, now: datetime) -> bool:
        """Past its closing date or at its response limit (forms_app.capture.closing)."""
        if self.closes_at is not None and self.closes_at <= now:
            return True
        return self.response_limit is not None and self.response_count >= self.response_limit

    @property
    def is_closed(self) -> bool:
        return self.is_closed_at(timezone.now())

    @property
    def font_family(self) -> str:
        return FONT_STACKS.get(self.font, FONT_STACKS["system"])

    @staticmethod
    def revision_bump(form_id: int) -> None:
        """Mark the form's questions changed: runtime answer forms cached per revision expire,
        and so does everything else web processes cache about the form (`SettingsRevision`)."""
        Form.objects.filter(pk=form_id).update(revision=F("revision") + 1)
        SettingsRevision.bump()

    def clean(self) -> None:
        if not 0 < self.marketing_qualified_threshold < self.sales_ready_threshold <= 100:
            raise ValidationError(
                "Thresholds must satisfy 0 < marketing-qualified < sales-ready ≤ 100."
            )
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", self.accent_color or ""):
            raise ValidationError({"accent_color": "Use a colour like #4338ca."})

    def conversion_status(self) -> str:
        """The status that records a conversion under this form's definition (e.g. on import)."""
        if self.conversion_definition == self.Conversion.WON:
            return Lead.Status.WON
        return Lead.Status.QUALIFIED

    def converted_statuses(self) -> set[str]:
        """Lead statuses that count as a conversion under this form's definition."""
        return {self.conversion_status(), Lead.Status.WON}

    def labelled_statuses(self) -> set[str]:
        """Statuses whose outcome is known, so the lead can teach the model."""
        return set(Lead.OUTCOME_STATUSES)


class FormLogo(models.Model):
    """A form's logo, in the database so every web process serves the same bytes (no media
    storage to share). Checked by content on upload (workspace.branding)."""

    form = models.OneToOneField(Form, on_delete=models.CASCADE, related_name="logo")
    content = models.BinaryField()
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Logo of {self.form}"


class Question(models.Model):
    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"
        EMAIL = "email", "E-mail"
        PHONE = "phone", "Phone"
        NUMBER = "number", "Number"
        SINGLE_CHOICE = "single_choice", "Single choice"
        DROPDOWN = "dropdown", "Dropdown"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        CONSENT = "consent", "Consent checkbox"
        HIDDEN = "hidden", "Hidden field"

    CHOICE_KINDS = {Kind.SINGLE_CHOICE, Kind.DROPDOWN, Kind.MULTIPLE_CHOICE}

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="questions")
    # Fixed when the question is first saved and never recomputed: answers and model features
    # are keyed by it, so renaming a label must not orphan them.
    key = models.SlugField(max_length=_KEY_MAX)
    label = models.CharField(max_length=300)
    help_text = models.CharField(max_length=500, blank=True)
    placeholder = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind)
    # [{"value": "within_1_month", "label": "Within 1 month"}, …]; values are stable like keys.
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    min_length = models.PositiveIntegerField(null=True, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    feeds_score = models.BooleanField(
        default=False, help_text="Use this answer as an input of the lead score."
    )
    # For hidden fields: the URL parameter whose value they capture (e.g. utm_campaign).
    url_parameter = models.CharField(max_length=64, blank=True)
    archived = models.BooleanField(
        default=False, help_text="Removed from the form; answers already given are kept."
    )
    # The leakage guard: a field sales fill in after the lead arrives would leak the outcome.
    known_at_arrival = models.BooleanField(
        null=True,
        blank=True,
        help_text="The marketer's answer to “was this known when the lead arrived?”; "
        "empty when not asked.",
    )
    # Multi-step forms: questions with the same step number are shown together.
    step = models.PositiveSmallIntegerField(default=1)
    # Show only when an earlier answer is one of these values: {"question": key, "values": [...]}.
    condition = models.JSONField(null=True, blank=True)
    # Which contact detail the answer is (forms_app.models.contacts): at most one current
    # question per role, inferred on creation from the kind and label.
    contact_role = models.CharField(
        max_length=10, choices=ContactRole, blank=True, verbose_name="Contact detail"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "key"], name="question_key_unique_per_form"),
            models.UniqueConstraint(
                fields=["form", "contact_role"],
                condition=~Q(contact_role="") & Q(archived=False),
                name="question_contact_role_once_per_form",
                violation_error_message="Another question of this form already holds this "
                "contact detail.",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs) -> None:
        if not self.key:
            taken = set(Question.objects.filter(form_id=self.form_id).values_list("key", flat=True))
            self.key = stable_key(self.label, taken)
        if self._state.adding and not self.contact_role:
            self.contact_role = self._role_if_free(
                contact_role_inferred(kind=self.kind, label=self.label)
            )
        self.choices = normalized_choices(self.choices)
        super().save(*args, **kwargs)
        Form.revision_bump(self.form_id)

    def _role_if_free(self, role: str) -> str:
        """The inferred role, unless another current question of the form already holds it."""
        if not role:
            return ""
        taken = Question.objects.filter(form_id=self.form_id, contact_role=role, archived=False)
        return "" if taken.exists() else role

    def delete(self, *args, **kwargs):
        form_id = self.form_id
        result = super().delete(*args, **kwargs)
        Form.revision_bump(form_id)
        return result

    def choice_label(self, value: str) -> str:
        for choice in self.choices:
            if choice["value"] == value:
                return choice["label"]
        return value


def normalized_choices(choices: list) -> list[dict]:
    """Choices as [{"value", "label"}], giving a stable value to any choice that has none yet."""
    result: list[dict] = []
    taken: set[str] = set()
    for choice in choices or []:
        if isinstance(choice, str):
            choice = {"label": choice}
        label = str(choice.get("label", "")).strip()
        value = str(choice.get("value") or "").strip() or stable_key(label, taken, fallback="c")
        if value in taken:
            raise ValidationError(f"Two choices share the value {value!r}.")
        taken.add(value)
        result.append({"value": value, "label": label or value})
    return result


from forms_app.models.leads import Lead  # noqa: E402  (Form.converted_statuses needs it)
