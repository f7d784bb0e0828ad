"""Import historical leads with known outcomes from a CSV file.

One importer serves `manage.py import_leads` and the workspace's upload page. It reads the whole
file and checks it before storing anything: a bad file or column raises LeadImportError and stores
nothing; odd rows (no outcome, a number that is not a number, a value outside a question's
choices) are listed in the report, never dropped silently. Pure csv module: no pandas in the web
process.

Columns probably filled in after the lead arrived (scoring.leakage: by their name, or because one
alone ranks the outcome almost perfectly) are left out unless the marketer says they were known
when the lead arrived (`include`): they would teach a model what new leads never carry.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from forms_app.models import Form, Lead, Question
from forms_app.models.text import control_characters_stripped
from scoring.leakage import Suspect, suspects_find

# Values that mean "not answered" in exported CRM data ("Select" is a form's unselected default).
PLACEHOLDERS = {"", "select", "null", "none", "nan", "n/a", "na", "-", "--", "?"}
POSITIVE_OUTCOMES = {"1", "true", "yes", "y", "won", "converted", "qualified", "closed won"}
NEGATIVE_OUTCOMES = {"0", "false", "no", "n", "lost", "unqualified", "closed lost", "not converted"}
MAX_CHOICES = 60  # a column with more distinct values is not offered as a dropdown
# A column with more distinct values than MAX_CHOICES is still a category when its values repeat
# (on average this many rows per value): a landing page, a campaign id. It becomes a hidden
# field, whose values the model learns from the rows. Values that rarely repeat are free text.
MIN_ROWS_PER_VALUE = 3
MAX_PROBLEMS = 200


class LeadImportError(Exception):
    """The file or the options cannot be imported at all; nothing was stored."""


@dataclass
class ImportProblem:
    row: int  # 1-based line number in the file (the header is line 1)
    column: str
    message: str


@dataclass
class ImportReport:
    form: Form | None = None
    form_created: bool = False
    rows_read: int = 0
    rows_imported: int = 0
    rows_skipped: int = 0
    converted: int = 0
    mapping: dict[str, str] = field(default_factory=dict)  # column -> question key
    ignored_columns: list[str] = field(default_factory=list)
    # Columns probably filled in after the lead arrived, and those of them left out (not included).
    suspects: list[Suspect] = field(default_factory=list)
    excluded_suspects: list[str] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, row: int, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(ImportProblem(row, column, message))


def is_missing(value: str | None) -> bool:
    return value is None or value.strip().lower() in PLACEHOLDERS


def csv_text(data: bytes) -> str:
    """A CSV file's text: UTF-8 with or without BOM, else Latin-1 (which decodes any bytes)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def csv_read(data: bytes | str, *, delimiter: str = ",") -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file (bytes are decoded by csv_text). Control characters are
    dropped: exports carry stray NULs, which PostgreSQL would refuse to store."""
    text = control_characters_stripped(csv_text(data) if isinstance(data, bytes) else data)
    if len(delimiter) != 1:
        raise LeadImportError(f"The delimiter must be one character, not {delimiter!r}.")
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise LeadImportError(f"This is not a readable CSV file: {exc}.") from None
    if not rows:
        raise LeadImportError("The file is empty.")
    header = [name.strip() for name in rows[0]]
    if len(header) < 2:
        raise LeadImportError(
            f"The file has a single column ({header[0]!r}); is the delimiter {delimiter!r} right?"
        )
    duplicates = {name for name in header if header.count(name) > 1}
    if duplicates:
        raise LeadImportError(f"Column names appear twice: {', '.join(sorted(duplicates))}.")
    return header, rows[1:]


def _number(value: str) -> float | None:
    try:
        number = float(value.replace(",", "") if re.fullmatch(r"-?[\d,]+\.?\d*", value) else value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _looks_like_email(value: str) -> bool:
    return bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value))


def _time(value: str) -> datetime | None:
    parsed = parse_datetime(value) or (
        datetime.combine(d, datetime.min.time()) if (d := parse_date(value)) else None
    )
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    return parsed


def question_kind_for(values: list[str]) -> tuple[str, list[str]]:
    """The question kind a column's non-missing values suggest, with the choices seen."""
    present = [v.strip() for v in values if not is_missing(v)]
    if not present:
        return Question.Kind.SHORT_TEXT, []
    if all(_number(v) is not None for v in present):
        return Question.Kind.NUMBER, []
    if sum(_looks_like_email(v) for v in present) >= 0.9 * len(present):
        return Question.Kind.EMAIL, []
    distinct = sorted(set(present), key=lambda v: (-present.count(v), v))
    if len(distinct) <= MAX_CHOICES:
        return Question.Kind.DROPDOWN, distinct
    if len(present) >= MIN_ROWS_PER_VALUE * len(distinct):
        return Question.Kind.HIDDEN, []
    return Question.Kind.SHORT_TEXT, []


SCORED_KINDS = {
    Question.Kind.NUMBER,
    Question.Kind.DROPDOWN,
    Question.Kind.HIDDEN,
    Question.Kind.EMAIL,
}


def _form_create_from_columns(
    *, slug: str, columns: list[str], rows: list[list[str]], header: list[str]
) -> Form:
    form = Form.objects.create(name=slug.replace("-", " ").title(), slug=slug)
    for position, column in enumerate(columns):
        index = header.index(column)
        kind, choices = question_kind_for([row[index] if index < len(row) else "" for row in rows])
        Question.objects.create(
            form=form,
            label=column,
            kind=kind,
            position=position,
            choices=[{"label": choice} for choice in choices],
            feeds_score=kind in SCORED_KINDS,
        )
    form.refresh_from_db()
    return form


def columns_match(form: Form, columns: list[str], mapping: dict[str, str] | None) -> dict:
    """Column -> Question, by the given mapping or by question key or label."""
    questions = {q.key: q for q in form.questions.all()}
    by_name = {
        **{q.label.strip().lower(): q for q in questions.values()},
        **{key.lower(): q for key, q in questions.items()},
    }
    matched = {}
    for column in columns:
        if mapping is not None:
            key = mapping.get(column)
            if key:
                if key not in questions:
                    raise LeadImportError(f"Column {column!r} is mapped to an unknown question.")
                matched[column] = questions[key]
        elif column.strip().lower() in by_name:
            matched[column] = by_name[column.strip().lower()]
    return matched


def answer_from_text(
    question: Question, raw: str, report: ImportReport, line: int, column: str
) -> Any:
    value = raw.strip()
    kind = question.kind
    if kind == Question.Kind.NUMBER:
        number = _number(value)
        if number is None:
            report.problem(line, column, f"{value!r} is not a number; left blank.")
            return None
        return int(number) if number.is_integer() else number
    if kind in (Question.Kind.DROPDOWN, Question.Kind.SINGLE_CHOICE):
        for choice in question.choices:
            if value in (choice["value"], choice["label"]):
                return choice["value"]
        report.problem(line, column, f"{value!r} is not one of the question's choices.")
        return value
    if kind == Question.Kind.MULTIPLE_CHOICE:
        parts = [p.strip() for p in re.split(r"[;|]", value) if p.strip()]
        lookup = {c["label"]: c["value"] for c in question.choices}
        return [lookup.get(p, p) for p in parts]
    if kind == Question.Kind.CONSENT:
        return value.lower() in POSITIVE_OUTCOMES
    return value[:5000]


def leads_import(
    *,
    data: bytes | str,
    outcome_column: str,
    form: Form | None = None,
    create_form_slug: str | None = None,
    positive_values: list[str] | None = None,
    order_by: str | None = None,
    exclude: list[str] | None = None,
    include: list[str] | None = None,
    delimiter: str = ",",
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import historical leads with outcomes into a form (or a new draft form built from them).

    Suspected leaks among the columns (filled in after the lead arrived) are left out unless
    `include` names them: the columns the marketer says were known when the lead arrived. An
    included suspect's question is marked known_at_arrival. With dry_run the file is checked and
    the report returned, and nothing is stored.
    """
    header, rows = csv_read(data, delimiter=delimiter)
    exclude = _names(exclude)
    include = _names(include)
    _columns_check(
        header, outcome_column=outcome_column, order_by=order_by, exclude=exclude, include=include
    )
    _target_check(form, create_form_slug)
    positives = {v.strip().lower() for v in positive_values} if positive_values else None
    report = ImportReport(rows_read=len(rows))
    records = _records_read(
        header,
        rows,
        outcome_column=outcome_column,
        order_by=order_by,
        positives=positives,
        report=report,
    )
    feature_columns = [c for c in header if c not in {outcome_column, order_by, *exclude}]
    report.suspects = _suspects_among(header, records, feature_columns)
    report.excluded_suspects = [s.column for s in report.suspects if s.column not in include]
    kept_columns = [c for c in feature_columns if c not in report.excluded_suspects]
    with transaction.atomic():
        if create_form_slug is not None:
            form = _form_create_from_columns(
                slug=create_form_slug,
                columns=kept_columns,
                rows=[record.row for record in records],
                header=header,
            )
            report.form_created = True
        report.form = form
        matched = columns_match(form, kept_columns, mapping)
        report.mapping = {column: q.key for column, q in matched.items()}
        report.ignored_columns = [c for c in kept_columns if c not in matched]
        _included_suspects_mark(report, matched)
        leads = _leads_built(form, matched, header, records, report)
        report.rows_imported = len(leads)
        if dry_run:
            transaction.set_rollback(True)
        else:
            Lead.objects.bulk_create(leads, batch_size=1000)
    return report


def import_suspects(
    *,
    data: bytes | str,
    outcome_column: str,
    positive_values: list[str] | None = None,
    order_by: str | None = None,
    exclude: list[str] | None = None,
    delimiter: str = ",",
) -> list[Suspect]:
    """The suspected leaks of a file, before anything is imported (to ask about each first)."""
    header, rows = csv_read(data, delimiter=delimiter)
    exclude = _names(exclude)
    _columns_check(header, outcome_column=outcome_column, order_by=order_by, exclude=exclude)
    positives = {v.strip().lower() for v in positive_values} if positive_values else None
    records = _records_read(
        header,
        rows,
        outcome_column=outcome_column,
        order_by=order_by,
        positives=positives,
        report=ImportReport(),
    )
    feature_columns = [c for c in header if c not in {outcome_column, order_by, *exclude}]
    return _suspects_among(header, records, feature_columns)


def _names(columns: list[str] | None) -> list[str]:
    return [c.strip() for c in columns or [] if c.strip()]


def _suspects_among(
    header: list[str], records: list["_Record"], columns: list[str]
) -> list[Suspect]:
    """Suspected leaks among the columns, their raw text read oldest first."""
    values = {}
    for column in columns:
        index = header.index(column)
        values[column] = [
            None if is_missing(cell := record.row[index]) else cell.strip() for record in records
        ]
    return suspects_find(values, [int(record.converted) for record in records])


def _included_suspects_mark(report: ImportReport, matched: dict[str, Question]) -> None:
    """Record on their questions that the included suspects were known when the lead arrived."""
    excluded = set(report.excluded_suspects)
    for suspect in report.suspects:
        question = matched.get(suspect.column)
        if suspect.column not in excluded and question is not None:
            question.known_at_arrival = True
            question.save(update_fields=["known_at_arrival"])


def _columns_check(
    header: list[str],
    *,
    outcome_column: str,
    order_by: str | None,
    exclude: list[str],
    include: list[str] | None = None,
) -> None:
    for option, names in (
        ("outcome column", [outcome_column]),
        ("--order-by column", [order_by] if order_by else []),
        ("excluded column", exclude),
        ("included column", include or []),
    ):
        unknown = [name for name in names if name not in header]
        if unknown:
            raise LeadImportError(
                f"The {option} {', '.join(map(repr, unknown))} is not in the file."
                f" Columns: {', '.join(header)}."
            )


def _target_check(form: Form | None, create_form_slug: str | None) -> None:
    if (form is None) == (create_form_slug is None):
        raise LeadImportError("Name an existing form or ask for a new one, not both.")
    if create_form_slug is not None and Form.objects.filter(slug=create_form_slug).exists():
        raise LeadImportError(f"A form with the slug {create_form_slug!r} already exists.")


@dataclass(frozen=True)
class _Record:
    """A row with an outcome, and where it goes in time order."""

    order_key: Any  # a datetime or a number from the order column, else the line number
    line: int
    row: list[str]
    converted: bool


def _converted(outcome: str, positives: set[str] | None) -> bool | None:
    """Whether an outcome cell means a conversion; None when it is not a known outcome."""
    if positives is not None:
        return outcome in positives
    if outcome in POSITIVE_OUTCOMES:
        return True
    if outcome in NEGATIVE_OUTCOMES:
        return False
    return None


def _records_read(
    header: list[str],
    rows: list[list[str]],
    *,
    outcome_column: str,
    order_by: str | None,
    positives: set[str] | None,
    report: ImportReport,
) -> list[_Record]:
    """The rows with a known outcome, oldest first; the others are reported and skipped."""
    outcome_index = header.index(outcome_column)
    order_index = header.index(order_by) if order_by else None
    records = []
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            report.problem(number, "", f"has {len(row)} cells, the header has {len(header)}.")
            row = (row + [""] * len(header))[: len(header)]
        outcome = row[outcome_index].strip().lower()
        converted = None if is_missing(outcome) else _converted(outcome, positives)
        if converted is None:
            message = (
                "no outcome; row skipped."
                if is_missing(outcome)
                else f"{outcome!r} is not a known outcome (use --positive)."
            )
            report.problem(number, outcome_column, message)
            report.rows_skipped += 1
            continue
        order_key: Any = number
        if order_index is not None:
            raw = row[order_index].strip()
            order_key = _time(raw) or _number(raw)
            if order_key is None:
                raise LeadImportError(
                    f"Line {number}: {raw!r} in {order_by!r} is neither a date nor a number."
                )
        records.append(_Record(order_key, number, row, converted))
    if not records:
        raise LeadImportError("No row has an outcome; nothing to import.")
    return sorted(records, key=lambda record: (record.order_key, record.line))


def _leads_built(
    form: Form,
    matched: dict[str, Question],
    header: list[str],
    records: list[_Record],
    report: ImportReport,
) -> list[Lead]:
    """One unsaved Lead per record, its answers read by the questions the columns match."""
    converted_status = form.conversion_status()
    real_times = all(isinstance(record.order_key, datetime) for record in records)
    start = timezone.now() - timedelta(seconds=len(records))
    leads = []
    for position, record in enumerate(records):
        answers = {}
        for column, question in matched.items():
            raw = record.row[header.index(column)]
            if is_missing(raw):
                continue
            value = answer_from_text(question, raw, report, record.line, column)
            if value is not None:
                answers[question.key] = value
        leads.append(
            Lead(
                form=form,
                answers=answers,
                capture={"imported": {"line": record.line, "order": str(record.order_key)}},
                source=Lead.Source.IMPORT,
                # Without real dates, file order becomes time order, one second apart.
                created_at=(
                    record.order_key if real_times else start + timedelta(seconds=position)
                ),
                status=converted_status if record.converted else Lead.Status.LOST,
            )
        )
        report.converted += record.converted
    return leads
