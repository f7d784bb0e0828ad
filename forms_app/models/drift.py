"""Drift episodes: the stretches of time a form's leads no longer look like its model's."""

from django.db import models
from django.db.models import Q


class DriftEpisode(models.Model):
    """From the check that first found this week's leads drifting until one found them stable.

    The episode's level only rises while it is open (drifting, then shifted or a data problem);
    the marketers are told once, when it first reaches the alert level, so a week hovering
    around the level does not e-mail them every hour. Written only by
    forms_app.sales.drift.form_drift_check.
    """

    class Level(models.TextChoices):
        DRIFTING = "drifting", "Drifting"
        SHIFTED = "shifted", "Shifted"
        DATA_PROBLEM = "data_problem", "Data problem"

    ALERT_LEVELS = (Level.SHIFTED, Level.DATA_PROBLEM)

    form = models.ForeignKey(
        "forms_app.Form", on_delete=models.CASCADE, related_name="drift_episodes"
    )
    version = models.ForeignKey("scoring.ModelVersion", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=12, choices=Level)
    score_psi = models.FloatField(null=True, blank=True)  # at the latest check
    peak_psi = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)  # the latest check's verdict in words
    started_at = models.DateTimeField()
    last_checked_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)
    # The e-mail to the marketers, through the outbox: the page shows whether it went out.
    notification = models.ForeignKey(
        "forms_app.Notification",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    challenger = models.ForeignKey(
        "scoring.TrainingRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    challenger_note = models.CharField(max_length=300, blank=True)  # why none was started

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["form"], condition=Q(ended_at=None), name="one_open_drift_episode_per_form"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} on form {self.form_id} since {self.started_at:%Y-%m-%d}"

    @property
    def is_alert(self) -> bool:
        return self.level in self.ALERT_LEVELS
