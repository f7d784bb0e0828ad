"""Counters about the public forms: refused spam and how far prospects get through the steps."""

from django.db import models


class SpamRefusal(models.Model):
    """Submits refused before anything was stored, counted per form, reason and day."""

    class Reason(models.TextChoices):
        RATE_LIMIT = "rate_limit", "Too many submits from one address"
        HONEYPOT = "honeypot", "Honeypot field filled"
        TOO_FAST = "too_fast", "Filled faster than a person can"
        TOKEN = "token", "Missing, forged or expired form token"
        ORIGIN = "origin", "Submitted from a site not on the allowed list"

    form = models.ForeignKey("forms_app.Form", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "form", "reason"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "reason", "day"], name="spam_refusal_unique_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.reason} on form {self.form_id}, {self.day}"


class FormStepStat(models.Model):
    """How many prospects were shown a step and how many got past it: the drop-off per step."""

    form = models.ForeignKey("forms_app.Form", on_delete=models.CASCADE, related_name="+")
    step = models.PositiveSmallIntegerField()
    started = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["form", "step"]
        constraints = [
            models.UniqueConstraint(fields=["form", "step"], name="form_step_stat_unique"),
        ]

    def __str__(self) -> str:
        return f"Form {self.form_id} step {self.step}: {self.completed}/{self.started}"

    @property
    def dropped(self) -> int:
        return max(self.started - self.completed, 0)
