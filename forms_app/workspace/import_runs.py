"""Import runs: a CSV file of past leads uploaded in the workspace, previewed, then imported by a
task worker with visible progress, cancellable.

1. `import_file_store` streams the upload (up to FORMSCORE_IMPORT_MAX_BYTES; Django has already
   spooled a large one to a temporary file) to STORAGES["imports"], sniffing its encoding (UTF-8,
   UTF-8 with BOM, else Latin-1) over every byte and its delimiter (`,` `;` or tab) on the first
   64 KB. The session never holds the file.
2. `import_preview` scans the stored file with the marketer's choices (importing.file_scan:
   streaming, bounded memory) and stores nothing: the kinds of a new form's questions, the outcome's
   values, what each column feeds, values that match no choice, leakage suspects, problems.
3. `import_start` checks the choices with the same scan and queues `import_run_task` on the
   "imports" queue, which has its own worker: a long import never delays a notification.
4. The task reads the file again and stores its leads in batches (FORMSCORE_IMPORT_BATCH_ROWS,
   1,000 by default), each its own transaction (a single one would hold SQLite's only write
   lock, and so every submit, for the whole import), saving the progress and checking for a
   cancel after each.
   A cancelled or failed run deletes the leads it stored (they carry its id in
   capture["imported"]["run"]) and the form it created: the form is left as it was.
"""

import codecs
import csv
import io
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from forms_app.models import Contact, Form, ImportRun, Lead, Question
from forms_app.models.contacts import leads_contacts_link
from forms_app.workspace.authoring import unique_slug
from forms_app.workspace.importing import (
    CAPTURE_PREFIX,
    NEGATIVE_OUTCOMES,
    POSITIVE_OUTCOMES,
    CsvSource,
    FileScan,
    ImportOptions,
    LeadImportError,
    batches,
    capture_signal_for,
    columns_checked,
    columns_match,
    file_scan,
    import_target,
    kind_problems,
    leads_built,
    name_suspects,
)

logger = logging.getLogger(__name__)

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t"
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "latin-1": "Latin-1"}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
# Column names that usually hold the outcome, and the time order, lower-cased.
OUTCOME_NAMES = ("converted", "outcome", "won", "result", "conversion", "status")
# A running import stores a batch in a second or two: one silent this long has lost its worker.
IMPORT_STALE_AFTER = timedelta(minutes=10)
ORDER_NAMES = ("created_at", "created", "date", "submitted", "submitted_at", "created date")


def imports_storage():
    return storages["imports"]


# Sniffing


def encoding_sniff(chunks: Iterable[bytes]) -> str:
    """ "utf-8-sig" (a BOM), "utf-8", or "latin-1" when any byte is not UTF-8 (Latin-1 decodes
    every byte). Every chunk is checked: a file's first accented letter can be on its last line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    start = b""
    try:
        for chunk in chunks:
            if len(start) < 3:
                start += chunk[:3]
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8-sig" if start.startswith(codecs.BOM_UTF8) else "utf-8"


def _widths(sample: str, delimiter: str) -> list[int]:
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # cut off by the sample's end
    try:
        return [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
    except csv.Error:
        return []


def _fit(sample: str, delimiter: str) -> tuple[bool, float, int]:
    """How well a delimiter splits the sample: several columns, the same count on every row."""
    widths = _widths(sample, delimiter)
    if not widths:
        return (False, 0.0, 0)
    same = sum(width == widths[0] for width in widths) / len(widths)
    return (widths[0] > 1, same, widths[0])


def delimiter_sniff(sample: str) -> str:
    """The delimiter of a CSV sample among `,` `;` and tab: csv.Sniffer's answer when it splits
    every row alike into several columns, else the candidate that does that best."""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed is not None and _fit(sample, sniffed)[:2] == (True, 1.0):
        return sniffed
    best = max(DELIMITERS, key=lambda delimiter: _fit(sample, delimiter))
    return best if _fit(sample, best)[0] else ","


# Upload


def import_file_store(*, upload, actor, form: Form | None = None) -> ImportRun:
    """Stream an uploaded CSV file to the imports storage and record a draft run for it (into the
    form, or creating a form when none is given). Refuses a file too large or not a CSV file."""
    limit = settings.FORMSCORE_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise LeadImportError(f"The file is larger than {limit // (1024 * 1024)} MB.")
    head = bytearray()

    def chunks():
        for chunk in upload.chunks():
            if len(head) < SNIFF_BYTES:
                head.extend(chunk[: SNIFF_BYTES - len(head)])
            yield chunk

    encoding = encoding_sniff(chunks())
    delimiter = delimiter_sniff(bytes(head).decode(encoding, errors="ignore"))
    upload.seek(0)
    storage = imports_storage()
    name = storage.save(f"{uuid.uuid4().hex}.csv", upload)
    run = ImportRun(
        form=form,
        creates_form=form is None,
        actor=actor,
        file_name=name,
        original_name=upload.name[:255],
        size=upload.size,
        delimiter=delimiter,
        encoding=encoding,
    )
    try:
        run_source(run).header()
    except LeadImportError:
        storage.delete(name)
        raise
    run.save()
    return run


def run_source(run: ImportRun) -> CsvSource:
    """The run's stored file, read as text from the start each time (never whole in memory)."""

    def open_text():
        return io.TextIOWrapper(
            imports_storage().open(run.file_name, "rb"), encoding=run.encoding, newline=""
        )

    return CsvSource(open_text, run.delimiter)


# Preview


@dataclass
class ImportPreview:
    """What the preview page shows: the file, the choices (as made or guessed), and the scan."""

    run: ImportRun
    header: list[str]
    options: ImportOptions
    form_name: str = ""
    scan: FileScan | None = None
    error: str = ""
    error_field: str = ""
    outcome_values: list[tuple[str, int]] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)
    suspects: list[dict] = field(default_factory=list)


def import_options_guessed(run: ImportRun, header: list[str]) -> ImportOptions:
    """The choices offered first: an outcome and a time order column by name; for an existing
    form, each column to the question or capture signal its name matches."""
    lowered = {c.strip().lower(): c for c in header}
    outcome = next((lowered[n] for n in OUTCOME_NAMES if n in lowered), "")
    order_by = next((lowered[n] for n in ORDER_NAMES if n in lowered), None)
    mapping = None
    if run.form is not None:
        features = [c for c in header if c not in {outcome, order_by}]
        questions = columns_match(run.form, features, None)
        mapping = {column: q.key for column, q in questions.items()}
        for column in features:
            signal = capture_signal_for(column)
            if column not in mapping and signal and signal not in mapping.values():
                mapping[column] = f"{CAPTURE_PREFIX}{signal}"
    return ImportOptions(outcome_column=outcome, order_by=order_by, mapping=mapping)


def import_preview(
    *, run: ImportRun, options: ImportOptions | None = None, form_name: str = ""
) -> ImportPreview:
    """Scan the stored file with these choices (or the guessed ones); store nothing."""
    source = run_source(run)
    header = source.header()
    options = options or import_options_guessed(run, header)
    form_name = form_name or run.options.get("form_name") or _name_from_file(run.original_name)
    preview = ImportPreview(run=run, header=header, options=options, form_name=form_name)
    if not options.outcome_column:
        preview.error, preview.error_field = "Choose the column that holds the outcome.", "outcome"
    else:
        _scanned(preview, source)
    preview.columns = _columns_listed(preview)
    preview.suspects = _suspects_listed(preview)
    return preview


def _name_from_file(file_name: str) -> str:
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem.replace("_", " ").replace("-", " ").strip().title()[:100] or "Imported leads"


def _scanned(preview: ImportPreview, source: CsvSource) -> None:
    options, run = preview.options, preview.run
    mistake = _options_mistake(options, preview.header)
    if mistake:
        preview.error, preview.error_field = mistake
        return
    checked = columns_checked(source, options, run.form)
    try:
        if options.positive_values is None:
            # First look: the usual outcome words (1/0, yes/no, won/lost) pick the converted ones.
            scan = _first_scan(source, options, checked)
            preview.outcome_values = scan.outcome_values.most_common()
            seen = [value for value, _count in preview.outcome_values]
            options.positive_values = [v for v in seen if v.strip().lower() in POSITIVE_OUTCOMES]
            if any(v.strip().lower() not in POSITIVE_OUTCOMES | NEGATIVE_OUTCOMES for v in seen):
                scan = None  # other values: read again, counting them as not converted
        else:
            scan = None
        if not options.positive_values:
            preview.error = "Tick the values of the outcome column that mean “converted”."
            preview.error_field = "positive"
            preview.scan = scan or file_scan(source, _without_positives(options))
            return
        preview.scan = scan or file_scan(source, options, **checked)
        preview.outcome_values = preview.scan.outcome_values.most_common()
        kind_problems(preview.scan, options.kinds)
    except LeadImportError as exc:
        preview.error = str(exc)


def _first_scan(source: CsvSource, options: ImportOptions, checked: dict) -> FileScan:
    try:
        return file_scan(source, options, **checked)
    except LeadImportError:
        # No value is a usual outcome word: list the values, every one taken as an outcome.
        return file_scan(source, _without_positives(options))


def _without_positives(options: ImportOptions) -> ImportOptions:
    """The options with every non-empty outcome taken as an outcome (to list the values seen)."""
    return ImportOptions(
        **{**options.to_dict(), "positive_values": ["\x00any"], "mapping": options.mapping}
    )


def _options_mistake(options: ImportOptions, header: list[str]) -> tuple[str, str] | None:
    mapping = options.mapping or {}
    if options.outcome_column not in header:
        return "Choose the column that holds the outcome.", "outcome"
    if options.outcome_column in {c for c, target in mapping.items() if target}:
        return "The outcome column cannot also feed a question.", "outcome"
    if options.order_by and options.order_by == options.outcome_column:
        return "The time order cannot come from the outcome column.", "order_by"
    targets = [target for target in mapping.values() if target]
    if len(set(targets)) < len(targets):
        return "Two columns feed the same question or signal; map each once.", "mapping"
    return None


def _columns_listed(preview: ImportPreview) -> list[dict]:
    """One row per column: its values, its kind (new form) or what it feeds (existing form)."""
    scan, options = preview.scan, preview.options
    excluded = set(scan.report.excluded_suspects) if scan else set()
    rows = []
    for index, column in enumerate(preview.header):
        profile = scan.profiles.get(column) if scan else None
        role = (
            "outcome"
            if column == options.outcome_column
            else "order"
            if column == options.order_by
            else ""
        )
        inferred = profile.column_kind() if profile else "text"
        rows.append(
            {
                "index": index,
                "name": column,
                "role": role,
                "values": profile.distinct()[:4] if profile else [],
                "distinct": len(profile.counts) if profile else 0,
                "many": bool(profile and profile.overflow),
                "kind": (options.kinds or {}).get(column, inferred),
                "inferred": inferred,
                "target": (options.mapping or {}).get(column, ""),
                "suspect": column in excluded,
            }
        )
    return rows


def _suspects_listed(preview: ImportPreview) -> list[dict]:
    """The suspects to ask about (by name and data once scanned, by name before), unticked
    unless the marketer ticked them."""
    if preview.scan is not None:
        suspects = preview.scan.report.suspects
    else:
        skipped = {preview.options.outcome_column, preview.options.order_by}
        suspects = name_suspects([c for c in preview.header if c not in skipped])
    included = set(preview.options.include)
    return [
        {
            **suspect.to_dict(),
            "index": preview.header.index(suspect.column),
            "included": suspect.column in included,
        }
        for suspect in suspects
    ]


# Start, run, cancel


def import_start(*, run: ImportRun, options: ImportOptions, form_name: str = "") -> ImportPreview:
    """Check the choices with a full scan, then queue the import. The preview says what is wrong
    when the run could not start (run.status stays draft)."""
    preview = import_preview(run=run, options=options, form_name=form_name)
    if run.creates_form and not preview.form_name.strip():
        preview.error, preview.error_field = "Give the new form a name.", "form_name"
    if preview.error or run.status != ImportRun.Status.DRAFT:
        return preview
    # Race: two clicks on Start; only the one that turns the draft into queued enqueues.
    started = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.DRAFT).update(
        status=ImportRun.Status.QUEUED,
        options={**options.to_dict(), "form_name": preview.form_name.strip()[:100]},
        rows_total=preview.scan.report.rows_imported,
        report=preview.scan.report.to_dict(),
        message="Waiting for the import worker",
    )
    if started:
        transaction.on_commit(lambda: import_run_task.enqueue(run.pk))
    run.refresh_from_db()
    return preview


def import_cancel(*, run: ImportRun) -> ImportRun:
    """Cancel a draft or queued run at once; a running one stops at its next batch, and one whose
    worker died (no batch for IMPORT_STALE_AFTER) is cleaned up here."""
    now = timezone.now()
    cancelled = {"status": ImportRun.Status.CANCELLED, "finished_at": now}
    waiting = ImportRun.objects.filter(
        pk=run.pk, status__in=[ImportRun.Status.DRAFT, ImportRun.Status.QUEUED]
    ).update(**cancelled, message="Cancelled; nothing was stored.")
    # Race: a worker still alive finishing its batch; only a run silent this long is taken over.
    orphaned = not waiting and ImportRun.objects.filter(
        pk=run.pk, status=ImportRun.Status.RUNNING, heartbeat_at__lt=now - IMPORT_STALE_AFTER
    ).update(**cancelled, message="Cancelled after its worker stopped; nothing was kept.")
    if orphaned:
        _import_undo(ImportRun.objects.get(pk=run.pk))
    if waiting or orphaned:
        imports_storage().delete(run.file_name)
    else:
        ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING).update(
            cancel_requested=True, message="Cancelling…"
        )
    run.refresh_from_db()
    return run


class _Cancelled(Exception):
    pass


@task(queue_name="imports")
def import_run_task(run_id: int) -> str:
    """Run a queued import (a task worker on the "imports" queue)."""
    return import_run_execute(run_id)


def import_run_execute(run_id: int) -> str:
    # Race: a worker that picks the task up twice, or a cancel while queued: claim it first.
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        message="Reading the file…",
    )
    if not claimed:
        return "not queued"
    run = ImportRun.objects.select_related("form").get(pk=run_id)
    try:
        message = _import_run_work(run)
        status = ImportRun.Status.SUCCEEDED
    except _Cancelled:
        status, message = ImportRun.Status.CANCELLED, "Cancelled; nothing was stored."
    except LeadImportError as exc:
        status, message = ImportRun.Status.FAILED, f"Nothing was imported: {exc}"
    except Exception as exc:
        logger.exception("Import run %s failed", run_id)
        status, message = ImportRun.Status.FAILED, f"The import failed ({exc}); nothing was stored."
    if status != ImportRun.Status.SUCCEEDED:
        _import_undo(ImportRun.objects.get(pk=run_id))
    ImportRun.objects.filter(pk=run_id).update(
        status=status, message=message, finished_at=timezone.now()
    )
    imports_storage().delete(run.file_name)
    return status


def _import_run_work(run: ImportRun) -> str:
    options = ImportOptions.from_dict(run.options)
    source = run_source(run)
    scan = file_scan(source, options, **columns_checked(source, options, run.form))
    kind_problems(scan, options.kinds)
    report = scan.report
    with transaction.atomic():
        new_form = None
        if run.creates_form:
            name = run.options.get("form_name") or _name_from_file(run.original_name)
            new_form = (name, unique_slug(name))
        target = import_target(scan, options, form=run.form, new_form=new_form)
        ImportRun.objects.filter(pk=run.pk).update(
            form=target.form, rows_total=report.rows_imported, message="Importing…"
        )
    leads = leads_built(
        source,
        scan,
        form=target.form,
        questions=target.questions,
        captures=target.captures,
        run_id=run.pk,
    )
    done = 0
    for batch in batches(leads, settings.FORMSCORE_IMPORT_BATCH_ROWS):
        if ImportRun.objects.filter(pk=run.pk, cancel_requested=True).exists():
            raise _Cancelled
        leads_contacts_link(form=target.form, leads=batch)
        Lead.objects.bulk_create(batch)
        done += len(batch)
        ImportRun.objects.filter(pk=run.pk).update(rows_done=done, heartbeat_at=timezone.now())
    ImportRun.objects.filter(pk=run.pk).update(report=report.to_dict())
    return (
        f"Imported {done:,} leads ({report.converted:,} converted) into “{target.form.name}”."
        + (f" {report.problem_count:,} problems, listed below." if report.problem_count else "")
    )


def _import_undo(run: ImportRun) -> None:
    """Delete what a cancelled or failed run stored: its leads, then the form it created."""
    if run.form_id is None:
        return
    stored = Lead.objects.filter(form_id=run.form_id, capture__imported__run=run.pk)
    while ids := list(stored.values_list("pk", flat=True)[:1000]):
        Lead.objects.filter(pk__in=ids).delete()
    # The people the run brought in, unless a submit has joined them since.
    Contact.objects.filter(created_at__gte=run.created_at, leads__isnull=True).delete()
    if run.creates_form:
        form = Form.objects.get(pk=run.form_id)
        if not Lead.objects.filter(form=form).exists():
            Question.objects.filter(form=form).delete()
            form.delete()


def import_runs_of(form: Form, limit: int = 5) -> list[ImportRun]:
    return list(ImportRun.objects.filter(form=form).select_related("actor")[:limit])
