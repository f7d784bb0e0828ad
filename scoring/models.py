"""The model registry: immutable ONNX bytes with what is needed to serve and compare them.

Which version is live is a status on the row, never a file name. The traditional points system
(PointsRule) is "version 0" of every form: it scores every lead, always.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q


class ImmutableVersionError(Exception):
    """A save() would change what a registered model version is; register a new version instead."""


class ModelVersion(models.Model):
    """One registered model: immutable once saved, except for which version is live.

    ``sha256`` is ``scoring.runtime.artefact_sha256`` of the ONNX bytes, spec, reference and
    baseline, checked whenever the version is loaded. ``status`` and ``activated_at`` change only
    through ``scoring.services`` (activate, roll back), which write an audit event each time.
    """

    # Everything but status and activated_at: a save() of a registered row must not change these.
    IMMUTABLE_FIELDS = (
        "form",
        "number",
        "algorithm",
        "onnx",
        "sha256",
        "feature_spec",
        "metrics",
        "candidates",
        "library_versions",
        "reference",
        "baseline",
        "drift_reference",
        "window_start",
        "window_end",
        "n_leads",
        "n_converted",
        "created_at",
        "created_by",
    )

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    form = models.ForeignKey(
        "forms_app.Form", on_delete=models.CASCADE, related_name="model_versions"
    )
    number = models.PositiveIntegerField()
    algorithm = models.CharField(max_length=60)
    onnx = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    feature_spec = models.JSONField()
    metrics = models.JSONField(default=dict)
    candidates = models.JSONField(default=list)
    library_versions = models.JSONField(default=dict)
    # Probabilities of the training leads (as quantiles): a new lead's score is its percentile here.
    reference = models.JSONField(default=list)
    # The value each feature is replaced with when measuring its effect on a lead.
    baseline = models.JSONField(default=dict)
    # How the training leads spread per input and by score (scoring.drift.drift_reference), for
    # the weekly drift check. Not in sha256: it is never served, only compared against.
    # Empty for versions trained before it existed: they get one at their next training.
    drift_reference = models.JSONField(default=dict, blank=True)
    window_start = models.DateTimeField(null=True)
    window_end = models.DateTimeField(null=True)
    n_leads = models.PositiveIntegerField(default=0)
    n_converted = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status, default=Status.CANDIDATE)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="model_version_number_unique"),
            models.UniqueConstraint(
                fields=["form"],
                condition=Q(status="active"),
                name="one_active_model_version_per_form",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form} v{self.number} ({self.algorithm})"

    def save(self, **kwargs) -> None:
        if not self._state.adding:
            self._refuse_changes(kwargs.get("update_fields"))
        super().save(**kwargs)

    def _refuse_changes(self, update_fields) -> None:
        """Raise ImmutableVersionError if saving would change a registered field."""
        deferred = self.get_deferred_fields()  # not loaded, so save() will not write them
        fields = [self._meta.get_field(name) for name in self.IMMUTABLE_FIELDS]
        fields = [f for f in fields if f.attname not in deferred]
        if update_fields is not None:
            fields = [f for f in fields if {f.name, f.attname} & set(update_fields)]
        if not fields:
            return  # e.g. save(update_fields=["status"])
        columns = [f.attname for f in fields]
        stored = type(self)._base_manager.filter(pk=self.pk).values(*columns).first()
        if stored is None:
            return  # not in the database: Django inserts it or raises as usual
        changed = [
            f.name
            for f in fields
            if _comparable(getattr(self, f.attname)) != _comparable(stored[f.attname])
        ]
        if changed:
            raise ImmutableVersionError(
                f"{self} is registered and cannot change ({', '.join(changed)});"
                " train or register a new version instead."
            )


def _comparable(value):
    """A field's value as the database gives it back: bytes for blobs, lists for tuples."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, dict | list | tuple):
        return json.loads(json.dumps(value))
    return value


class ModelVersionEvent(models.Model):
    """Audit trail of the registry: who trained, activated or rolled back what, and why."""

    class Action(models.TextChoices):
        TRAINED = "trained", "Trained"
        ACTIVATED = "activated", "Activated"
        KEPT = "kept", "Not activated"
        ROLLED_BACK = "rolled_back", "Rolled back"
        RETIRED = "retired", "Retired"

    form = models.ForeignKey("forms_app.Form", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    action = models.CharField(max_length=12, choices=Action)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} v{self.version.number if self.version else 0}"


class PointsRule(models.Model):
    class Source(models.TextChoices):
        ANSWER = "answer", "Answer"
        CAPTURE = "capture", "Capture signal"

    class Operator(models.TextChoices):
        EQUALS = "equals", "equals"
        NOT_EQUALS = "not_equals", "does not equal"
        IN = "in", "is one of"
        GTE = "gte", "is at least"
        LTE = "lte", "is at most"
        CONTAINS = "contains", "contains"
        IS_SET = "is_set", "is answered"
        EMAIL_DOMAIN_KIND = "email_domain_kind", "e-mail domain is"

    form = models.ForeignKey(
        "forms_app.Form", on_delete=models.CASCADE, related_name="points_rules"
    )
    source = models.CharField(max_length=10, choices=Source, default=Source.ANSWER)
    key = models.CharField(max_length=64)
    operator = models.CharField(max_length=20, choices=Operator)
    value = models.JSONField(null=True, blank=True)
    points = models.SmallIntegerField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.key} {self.operator} {self.value!r}: {self.points:+d}"

    def as_rule(self) -> dict:
        return {
            "source": self.source,
            "key": self.key,
            "operator": self.operator,
            "value": self.value,
            "points": self.points,
        }


class TrainingRun(models.Model):
    """One request to train a form's model, run by a task worker, with progress for the page."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    form = models.ForeignKey("forms_app.Form", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    message = models.TextField(blank=True)
    activate = models.CharField(max_length=8, default="auto")
    version = models.ForeignKey(
        ModelVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Training of {self.form_id}: {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}
