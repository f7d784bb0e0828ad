"""An import run: one uploaded CSV file of past leads, from upload to imported (or not)."""

from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    """A file in the imports storage, the marketer's choices for it, and its import's progress.

    A draft is an upload being previewed; starting it queues a task (queue "imports") that reads
    the stored file in batches, saving its progress after each and stopping when cancelled. A
    cancelled or failed run leaves the form's leads as they were: its leads are deleted again, and
    so is the form it created.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        SUCCEEDED = "succeeded", "Imported"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = {Status.SUCCEEDED, Status.FAILED, Status.CANCELLED}

    # The form imported into; empty while a run that creates its form has not created it.
    form = models.ForeignKey(
        "forms_app.Form", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    creates_form = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(max_length=255)  # in STORAGES["imports"]
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    delimiter = models.CharField(max_length=1)
    encoding = models.CharField(max_length=16)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    cancel_requested = models.BooleanField(default=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Set when the worker claims the run and after each batch: a running run whose heartbeat is
    # old lost its worker, and Cancel then cleans up after it.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import of {self.original_name}: {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
