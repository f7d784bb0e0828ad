"""Import historical leads with known outcomes from a CSV file.

One importer serves `manage.py import_leads` and the workspace's import runs (import_runs.py). It
reads the file as a stream, twice, and never holds it whole in memory:

1. the scan (`file_scan`) reads every row: which rows have an outcome, their time order, what each
   column holds (the kind it suggests, its values), which values match no choice of their question,
   which cells are not numbers, and the leakage suspects. Nothing is stored; a bad file or column
   raises LeadImportError. Odd rows (no outcome, a number that is not a number, a value outside a
   question's choices) are listed in the report, never dropped silently;
2. the store (`leads_built`) reads the rows again and builds one Lead per row with an outcome;
   the caller stores them in batches.

Columns probably filled in after the lead arrived (scoring.leakage: by their name, or because one
alone ranks the outcome almost perfectly) are left out unless the marketer says they were known
when the lead arrived (`include`): they would teach a model what new leads never carry.

A column feeds a question (by the given mapping, else by the question's key or label) or a capture
signal (UTM source/medium/campaign, referrer, device, page views, visits, key pages, seconds to
complete; `capture:<signal>` in a mapping, else by name). Choice values match a choice's value or
label whatever their case and spacing. Pure csv module: no pandas in the web process.
"""

import csv
import io
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from forms_app.models import Form, Lead, Question
from forms_app.models.contacts import leads_contacts_link
from forms_app.models.text import control_characters_stripped
from scoring.features import CAPTURE_SIGNAL_LABELS
from scoring.leakage import Suspect, name_suspect, suspects_find

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
# Memory stays bounded whatever the file's size: a column remembers this many distinct values (a
# column with more is free text: an id, a name), and the leakage check by data reads a random
# sample of this many rows (all of them in files of up to this many rows).
MAX_TRACKED_VALUES = 10_000
SUSPECT_SAMPLE_ROWS = 50_000
BATCH_ROWS = 1000

# The capture signals a column can feed, with how its text becomes the stored value.
CAPTURE_PREFIX = "capture:"
CAPTURE_TARGETS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "referrer",
    "device",
    "page_views",
    "sessions",
    "key_pages",
    "seconds_to_complete",
    "days_since_first_visit",
)
_CAPTURE_COUNTS = {"page_views", "sessions"}
_CAPTURE_NUMBERS = {*_CAPTURE_COUNTS, "seconds_to_complete", "days_since_first_visit"}
# Column names (as lower-case words) that mean a capture signal, besides its key and its label.
_CAPTURE_ALIASES = {
    "source": "utm_source",
    "medium": "utm_medium",
    "campaign": "utm_campaign",
    "referer": "referrer",
    "referring url": "referrer",
    "device type": "device",
    "pageviews": "page_views",
    "visits": "sessions",
    "time to complete": "seconds_to_complete",
}

# The kinds a marketer picks for a column of a new form, and the question kind each makes.
COLUMN_KINDS = {
    "category": "Category (scored)",
    "number": "Number (scored)",
    "email": "E-mail (domain scored)",
    "text": "Free text (not scored)",
    "skip": "Leave out",
}


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
    captures: dict[str, str] = field(default_factory=dict)  # column -> capture signal
    ignored_columns: list[str] = field(default_factory=list)
    # Columns probably filled in after the lead arrived, and those of them left out (not included).
    suspects: list[Suspect] = field(default_factory=list)
    excluded_suspects: list[str] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    problem_count: int = 0
    # column -> value -> rows: values that match no choice of the column's question.
    unmatched: dict[str, Counter] = field(default_factory=dict)

    def problem(self, row: int, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(ImportProblem(row, column, message))

    def unmatched_add(self, column: str, value: str) -> None:
        self.unmatched.setdefault(column, Counter())[value] += 1

    def unmatched_listed(self) -> list[dict]:
        """The values that match no choice, most frequent first, per column."""
        return [
            {"column": column, "values": counts.most_common(), "rows": counts.total()}
            for column, counts in self.unmatched.items()
        ]

    def to_dict(self) -> dict:
        """What an import run keeps of the report (JSON)."""
        return {
            "form_created": self.form_created,
            "rows_read": self.rows_read,
            "rows_imported": self.rows_imported,
            "rows_skipped": self.rows_skipped,
            "converted": self.converted,
            "mapping": self.mapping,
            "captures": self.captures,
            "ignored_columns": self.ignored_columns,
            "suspects": [suspect.to_dict() for suspect in self.suspects],
            "excluded_suspects": self.excluded_suspects,
            "problems": [vars(problem) for problem in self.problems],
            "problem_count": self.problem_count,
            "unmatched": self.unmatched_listed(),
        }


def is_missing(value: str | None) -> bool:
    return value is None or value.strip().lower() in PLACEHOLDERS


def csv_text(data: bytes) -> str:
    """A CSV file's text: UTF-8 with or without BOM, else Latin-1 (which decodes any bytes)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _csv_rows(stream: TextIO, delimiter: str) -> Iterator[list[str]]:
    """The non-blank rows of a CSV text stream. Control characters are dropped: exports carry
    stray NULs, which PostgreSQL would refuse to store."""
    if len(delimiter) != 1:
        raise LeadImportError(f"The delimiter must be one character, not {delimiter!r}.")
    lines = (control_characters_stripped(line) for line in stream)
    try:
        for row in csv.reader(lines, delimiter=delimiter, strict=True):
            if any(cell.strip() for cell in row):
                yield row
    except csv.Error as exc:
        raise LeadImportError(f"This is not a readable CSV file: {exc}.") from None


def _header_checked(rows: Iterator[list[str]], delimiter: str) -> list[str]:
    first = next(rows, None)
    if first is None:
        raise LeadImportError("The file is empty.")
    header = [name.strip() for name in first]
    if len(header) < 2:
        raise LeadImportError(
            f"The file has a single column ({header[0]!r}); is the delimiter {delimiter!r} right?"
        )
    duplicates = {name for name in header if header.count(name) > 1}
    if duplicates:
        raise LeadImportError(f"Column names appear twice: {', '.join(sorted(duplicates))}.")
    return header


@dataclass
class CsvSource:
    """A CSV file that can be read from the start as often as needed, as a text stream."""

    open_text: Callable[[], Any]  # a context manager giving a text stream (newline="")
    delimiter: str = ","

    @classmethod
    def from_data(cls, data: bytes | str, *, delimiter: str = ",") -> "CsvSource":
        text = csv_text(data) if isinstance(data, bytes) else data
        return cls(lambda: io.StringIO(text, newline=""), delimiter)

    @contextmanager
    def reading(self) -> Iterator[tuple[list[str], Iterator[tuple[int, list[str]]]]]:
        """The header, and (line, row) for each row, every row as long as the header."""
        with self.open_text() as stream:
            rows = _csv_rows(stream, self.delimiter)
            header = _header_checked(rows, self.delimiter)
            yield header, self._numbered(rows, len(header))

    def header(self) -> list[str]:
        with self.reading() as (header, _rows):
            return header

    @staticmethod
    def _numbered(rows: Iterator[list[str]], width: int) -> Iterator[tuple[int, list[str]]]:
        for line, row in enumerate(rows, start=2):
            yield line, row if len(row) == width else (row + [""] * width)[:width]


def csv_read(data: bytes | str, *, delimiter: str = ",") -> tuple[list[str], list[list[str]]]:
    """Header and rows of a small CSV file held in memory (bytes are decoded by csv_text)."""
    with CsvSource.from_data(data, delimiter=delimiter).reading() as (header, rows):
        return header, [row for _line, row in rows]


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


def _folded(text: str) -> str:
    """Text compared whatever its case and spacing: " Closed  Won" matches "closed won"."""
    return " ".join(str(text).split()).casefold()


def _name_words(name: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", name.lower()))


@dataclass
class ColumnProfile:
    """What a column holds, read row by row in bounded memory."""

    present: int = 0
    numbers: int = 0
    emails: int = 0
    counts: Counter = field(default_factory=Counter)
    overflow: bool = False  # more than MAX_TRACKED_VALUES distinct values
    not_numbers: Counter = field(default_factory=Counter)  # a few, to show
    flags: dict = field(default_factory=dict, repr=False)  # value -> (a number?, an e-mail?)

    def add(self, raw: str) -> None:
        if is_missing(raw):
            return
        value = raw.strip()
        self.present += 1
        # Most columns repeat a few values: each is classified once (the scan's hot spot).
        flags = self.flags.get(value)
        if flags is None:
            flags = (_number(value) is not None, _looks_like_email(value))
            if len(self.flags) < MAX_TRACKED_VALUES:
                self.flags[value] = flags
        is_number, is_email = flags
        if is_number:
            self.numbers += 1
        elif value in self.not_numbers or len(self.not_numbers) < 5:
            self.not_numbers[value] += 1
        if is_email:
            self.emails += 1
        if value in self.counts or len(self.counts) < MAX_TRACKED_VALUES:
            self.counts[value] += 1
        else:
            self.overflow = True

    def distinct(self) -> list[str]:
        return sorted(self.counts, key=lambda v: (-self.counts[v], v))

    def repeats(self) -> bool:
        """Whether the values repeat enough to be a category (however many there are)."""
        return not self.overflow and self.present >= MIN_ROWS_PER_VALUE * len(self.counts)

    def kind(self) -> tuple[str, list[str]]:
        """The question kind the values suggest, with the choices seen."""
        if not self.present:
            return Question.Kind.SHORT_TEXT, []
        if self.numbers == self.present:
            return Question.Kind.NUMBER, []
        if self.emails >= 0.9 * self.present:
            return Question.Kind.EMAIL, []
        if not self.overflow and len(self.counts) <= MAX_CHOICES:
            return Question.Kind.DROPDOWN, self.distinct()
        if self.repeats():
            return Question.Kind.HIDDEN, []
        return Question.Kind.SHORT_TEXT, []

    def column_kind(self) -> str:
        """The kind offered for a new form's column (COLUMN_KINDS)."""
        kind, _choices = self.kind()
        return {
            Question.Kind.NUMBER: "number",
            Question.Kind.EMAIL: "email",
            Question.Kind.DROPDOWN: "category",
            Question.Kind.HIDDEN: "category",
        }.get(kind, "text")


def question_kind_for(values: list[str]) -> tuple[str, list[str]]:
    """The question kind a column's values suggest, with the choices seen."""
    profile = ColumnProfile()
    for value in values:
        profile.add(value)
    return profile.kind()


SCORED_KINDS = {
    Question.Kind.NUMBER,
    Question.Kind.DROPDOWN,
    Question.Kind.HIDDEN,
    Question.Kind.EMAIL,
}


def _question_for_column(column: str, profile: ColumnProfile, chosen: str | None) -> Question:
    """An unsaved question for a new form's column, of the kind chosen (or inferred)."""
    kind, choices = profile.kind()
    if chosen == "category":
        few = not profile.overflow and len(profile.counts) <= MAX_CHOICES
        kind, choices = (
            (Question.Kind.DROPDOWN, profile.distinct())
            if few
            else (
                Question.Kind.HIDDEN,
                [],
            )
        )
    elif chosen in {"number", "email", "text"}:
        kind = {
            "number": Question.Kind.NUMBER,
            "email": Question.Kind.EMAIL,
            "text": Question.Kind.SHORT_TEXT,
        }[chosen]
        choices = []
    return Question(
        label=column,
        kind=kind,
        choices=[{"label": choice} for choice in choices],
        feeds_score=kind in SCORED_KINDS,
    )


def _form_create_from_columns(
    *,
    name: str,
    slug: str,
    columns: list[str],
    profiles: dict[str, ColumnProfile],
    kinds: dict[str, str] | None = None,
) -> Form:
    form = Form.objects.create(name=name, slug=slug)
    for position, column in enumerate(columns):
        question = _question_for_column(column, profiles[column], (kinds or {}).get(column))
        question.form, question.position = form, position
        question.save()
    form.refresh_from_db()
    return form


def capture_signal_for(column: str) -> str | None:
    """The capture signal a column's name means ("utm_source", "UTM Source", "Visits"), or None."""
    words = _name_words(column)
    for signal in CAPTURE_TARGETS:
        if words in {_name_words(signal), _name_words(CAPTURE_SIGNAL_LABELS[signal])}:
            return signal
    return _CAPTURE_ALIASES.get(words)


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
            if key and not key.startswith(CAPTURE_PREFIX):
                if key not in questions:
                    raise LeadImportError(f"Column {column!r} is mapped to an unknown question.")
                matched[column] = questions[key]
        elif column.strip().lower() in by_name:
            matched[column] = by_name[column.strip().lower()]
    return matched


def captures_match(
    columns: list[str], mapping: dict[str, str] | None, taken: set[str] = frozenset()
) -> dict[str, str]:
    """Column -> capture signal, by the given mapping or by name (columns not taken by a
    question). Each signal is fed by one column."""
    matched: dict[str, str] = {}
    for column in columns:
        if column in taken:
            continue
        if mapping is not None:
            target = mapping.get(column, "")
            signal = target[len(CAPTURE_PREFIX) :] if target.startswith(CAPTURE_PREFIX) else None
            if signal is not None and signal not in CAPTURE_TARGETS:
                raise LeadImportError(f"Column {column!r} is mapped to an unknown capture signal.")
        else:
            signal = capture_signal_for(column)
        if signal is not None:
            if signal in matched.values():
                raise LeadImportError(
                    f"Two columns feed the capture signal {CAPTURE_SIGNAL_LABELS[signal]!r}."
                )
            matched[column] = signal
    return matched


def _choice_lookup(question: Question) -> dict[str, str]:
    """Folded choice value or label -> choice value; an exact value wins over another's label."""
    lookup = question.__dict__.get("_import_choices")
    if lookup is None:
        lookup = {_folded(c["label"]): c["value"] for c in question.choices}
        lookup.update({_folded(c["value"]): c["value"] for c in question.choices})
        question.__dict__["_import_choices"] = lookup
    return lookup


def answer_from_text(
    question: Question, raw: str, report: ImportReport | None, line: int, column: str
) -> Any:
    """A cell's text as the question's answer. Problems go to the report (when given): the scan
    reports them once, the store reads quietly."""
    value = raw.strip()
    kind = question.kind
    if kind == Question.Kind.NUMBER:
        number = _number(value)
        if number is None:
            if report is not None:
                report.problem(line, column, f"{value!r} is not a number; left blank.")
            return None
        return int(number) if number.is_integer() else number
    if kind in (Question.Kind.DROPDOWN, Question.Kind.SINGLE_CHOICE):
        matched = _choice_lookup(question).get(_folded(value))
        if matched is None and report is not None:
            report.unmatched_add(column, value)
        return value if matched is None else matched
    if kind == Question.Kind.MULTIPLE_CHOICE:
        parts = [p.strip() for p in re.split(r"[;|]", value) if p.strip()]
        lookup = _choice_lookup(question)
        for part in parts:
            if _folded(part) not in lookup and report is not None:
                report.unmatched_add(column, part)
        return [lookup.get(_folded(p), p) for p in parts]
    if kind == Question.Kind.CONSENT:
        return value.lower() in POSITIVE_OUTCOMES
    return value[:5000]


def capture_from_text(
    signal: str, raw: str, report: ImportReport | None, line: int, column: str
) -> Any:
    """A cell's text as a capture signal's value, typed as a submit stores it."""
    value = raw.strip()
    if signal in _CAPTURE_NUMBERS:
        number = _number(value)
        if number is None or number < 0:
            if report is not None:
                report.problem(line, column, f"{value!r} is not a number of 0 or more; left out.")
            return None
        return int(number) if signal in _CAPTURE_COUNTS else round(number, 1)
    if signal == "key_pages":
        return [page.strip() for page in re.split(r"[;|]", value) if page.strip()]
    if signal == "device":
        return value.lower()[:20]
    return value[:2000] if signal == "referrer" else value[:200]


@dataclass
class ImportOptions:
    """What the marketer (or the command line) chose for one file."""

    outcome_column: str
    positive_values: list[str] | None = None
    order_by: str | None = None
    exclude: list[str] = field(default_factory=list)
    # Suspected leaks the marketer says were known when the lead arrived: kept.
    include: list[str] = field(default_factory=list)
    # Column -> question key or "capture:<signal>"; None: matched by name.
    mapping: dict[str, str] | None = None
    # A new form's columns -> a COLUMN_KINDS key ("skip" leaves the column out); absent: inferred.
    kinds: dict[str, str] | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "ImportOptions":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def to_dict(self) -> dict:
        return dict(vars(self))

    def left_out(self) -> list[str]:
        skipped = [c for c, kind in (self.kinds or {}).items() if kind == "skip"]
        return _names([*self.exclude, *skipped])


@dataclass
class FileScan:
    """One read of the whole file: what it holds and what an import of it would do."""

    header: list[str]
    report: ImportReport
    profiles: dict[str, ColumnProfile]  # the feature columns (not outcome, order, left out)
    outcome_values: Counter  # the outcome column's values as written, for picking the positive
    # line -> (position in time order, order key, converted), for the rows with an outcome.
    records: dict[int, tuple[int, Any, bool]]
    real_times: bool

    @property
    def feature_columns(self) -> list[str]:
        return list(self.profiles)


def file_scan(
    source: CsvSource,
    options: ImportOptions,
    *,
    questions: dict[str, Question] | None = None,
    captures: dict[str, str] | None = None,
) -> FileScan:
    """Read the whole file once; store nothing. The answers of the given column -> question and
    column -> capture signal are checked as the store would read them."""
    report = ImportReport()
    with source.reading() as (header, rows):
        exclude = options.left_out()
        _columns_check(
            header,
            outcome_column=options.outcome_column,
            order_by=options.order_by,
            exclude=exclude,
            include=options.include,
        )
        skipped = {options.outcome_column, options.order_by, *exclude}
        features = [c for c in header if c not in skipped]
        reader = _Reader(header, options, features, questions or {}, captures or {}, report)
        for line, row in rows:
            reader.read(line, row)
    if not reader.keys:
        raise LeadImportError("No row has an outcome; nothing to import.")
    report.suspects = reader.suspects()
    report.excluded_suspects = [
        s.column for s in report.suspects if s.column not in options.include
    ]
    for column in report.excluded_suspects:
        report.unmatched.pop(column, None)
    report.rows_imported = len(reader.keys)
    ordered = sorted(reader.keys, key=lambda item: (item[0], item[1]))
    return FileScan(
        header=header,
        report=report,
        profiles=reader.profiles,
        outcome_values=reader.outcome_values,
        records={
            line: (position, key, converted)
            for position, (key, line, converted) in enumerate(ordered)
        },
        real_times=all(isinstance(key, datetime) for key, _line, _converted in ordered),
    )


class _Reader:
    """The scan's state, row by row."""

    def __init__(
        self,
        header: list[str],
        options: ImportOptions,
        features: list[str],
        questions: dict[str, Question],
        captures: dict[str, str],
        report: ImportReport,
    ) -> None:
        self.report = report
        self.order_by = options.order_by
        self.outcome_column = options.outcome_column
        self.outcome_index = header.index(options.outcome_column)
        self.order_index = header.index(options.order_by) if options.order_by else None
        self.positives = (
            {v.strip().lower() for v in options.positive_values}
            if options.positive_values
            else None
        )
        self.features = [(column, header.index(column)) for column in features]
        self.checks = [
            (column, header.index(column), questions.get(column), captures.get(column))
            for column in features
            if column in questions or column in captures
        ]
        self.profiles = {column: ColumnProfile() for column in features}
        self.outcome_values: Counter = Counter()
        self.keys: list[tuple[Any, int, bool]] = []
        self.sample: list[tuple[Any, int, bool, tuple]] = []
        self.random = random.Random(0)  # the same file gives the same sample

    def read(self, line: int, row: list[str]) -> None:
        self.report.rows_read += 1
        raw_outcome = row[self.outcome_index].strip()
        if not is_missing(raw_outcome) and (
            raw_outcome in self.outcome_values or len(self.outcome_values) < MAX_CHOICES
        ):
            self.outcome_values[raw_outcome] += 1
        outcome = raw_outcome.lower()
        converted = None if is_missing(outcome) else _converted(outcome, self.positives)
        if converted is None:
            message = (
                "no outcome; row skipped."
                if is_missing(outcome)
                else f"{outcome!r} is not a known outcome (use --positive)."
            )
            self.report.problem(line, self.outcome_column, message)
            self.report.rows_skipped += 1
            return
        order_key = self._order_key(line, row)
        self.keys.append((order_key, line, converted))
        self.report.converted += converted
        for column, index in self.features:
            self.profiles[column].add(row[index])
        for column, index, question, signal in self.checks:
            raw = row[index]
            if is_missing(raw):
                continue
            if question is not None:
                answer_from_text(question, raw, self.report, line, column)
            else:
                capture_from_text(signal, raw, self.report, line, column)
        self._sampled(order_key, line, converted, row)

    def _order_key(self, line: int, row: list[str]) -> Any:
        if self.order_index is None:
            return line
        raw = row[self.order_index].strip()
        order_key = _time(raw) or _number(raw)
        if order_key is None:
            raise LeadImportError(
                f"Line {line}: {raw!r} in {self.order_by!r} is neither a date nor a number."
            )
        return order_key

    def _sampled(self, order_key: Any, line: int, converted: bool, row: list[str]) -> None:
        """Reservoir sampling: every row with an outcome has the same chance to be kept."""
        seen = len(self.keys)
        slot = seen - 1 if seen <= SUSPECT_SAMPLE_ROWS else self.random.randrange(seen)
        if slot >= SUSPECT_SAMPLE_ROWS:
            return
        values = tuple(
            None if is_missing(cell := row[index]) else sys.intern(cell.strip())
            for _column, index in self.features
        )
        item = (order_key, line, converted, values)
        if slot == len(self.sample):
            self.sample.append(item)
        else:
            self.sample[slot] = item

    def suspects(self) -> list[Suspect]:
        """Suspected leaks among the feature columns, their raw text read oldest first."""
        ordered = sorted(self.sample, key=lambda item: (item[0], item[1]))
        values = {
            column: [item[3][position] for item in ordered]
            for position, (column, _index) in enumerate(self.features)
        }
        return suspects_find(values, [int(item[2]) for item in ordered])


def name_suspects(columns: list[str]) -> list[Suspect]:
    """The columns suspected by their name alone (before any scan)."""
    return [Suspect(c, "name", reason) for c in columns if (reason := name_suspect(c))]


def kind_problems(scan: FileScan, kinds: dict[str, str] | None) -> None:
    """A column read as numbers whose cells are not all numbers: say so (cells left blank)."""
    for column, kind in (kinds or {}).items():
        profile = scan.profiles.get(column)
        if kind == "number" and profile is not None and profile.numbers < profile.present:
            examples = ", ".join(map(repr, list(profile.not_numbers)[:3]))
            scan.report.problem(
                0,
                column,
                f"{profile.present - profile.numbers} values are not numbers (e.g. {examples});"
                " left blank.",
            )


def leads_built(
    source: CsvSource,
    scan: FileScan,
    *,
    form: Form,
    questions: dict[str, Question],
    captures: dict[str, str],
    run_id: int | None = None,
) -> Iterator[Lead]:
    """One unsaved Lead per row with an outcome, in file order; answers read by the questions
    (and capture signals) the columns feed."""
    converted_status = form.conversion_status()
    start = timezone.now() - timedelta(seconds=len(scan.records))
    with source.reading() as (header, rows):
        fed = [(header.index(c), c, questions.get(c), captures.get(c)) for c in header]
        fed = [item for item in fed if item[2] is not None or item[3] is not None]
        for line, row in rows:
            record = scan.records.get(line)
            if record is None:
                continue
            position, order_key, converted = record
            answers, capture = {}, {}
            for index, column, question, signal in fed:
                raw = row[index]
                if is_missing(raw):
                    continue
                if question is not None:
                    value = answer_from_text(question, raw, None, line, column)
                    if value is not None:
                        answers[question.key] = value
                elif (value := capture_from_text(signal, raw, None, line, column)) is not None:
                    capture[signal] = value
            imported = {"line": line, "order": str(order_key)}
            if run_id is not None:
                imported["run"] = run_id
            yield Lead(
                form=form,
                answers=answers,
                capture={**capture, "imported": imported},
                source=Lead.Source.IMPORT,
                # Without real dates, file order becomes time order, one second apart.
                created_at=(order_key if scan.real_times else start + timedelta(seconds=position)),
                status=converted_status if converted else Lead.Status.LOST,
            )


def batches(leads: Iterator[Lead], size: int = BATCH_ROWS) -> Iterator[list[Lead]]:
    batch: list[Lead] = []
    for lead in leads:
        batch.append(lead)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class ImportTarget:
    """Where the kept columns go: the form, column -> question, column -> capture signal."""

    form: Form
    questions: dict[str, Question]
    captures: dict[str, str]


def import_target(
    scan: FileScan,
    options: ImportOptions,
    *,
    form: Form | None = None,
    new_form: tuple[str, str] | None = None,
) -> ImportTarget:
    """The form the leads go to (created now for a new form: name, slug), and what each kept
    column feeds; the included suspects' questions are marked known when the lead arrived.
    Called inside the import's transaction."""
    report = scan.report
    kept = [c for c in scan.feature_columns if c not in report.excluded_suspects]
    if new_form is not None:
        name, slug = new_form
        form = _form_create_from_columns(
            name=name, slug=slug, columns=kept, profiles=scan.profiles, kinds=options.kinds
        )
        report.form_created = True
    report.form = form
    questions = columns_match(form, kept, options.mapping)
    captures = captures_match(kept, options.mapping, set(questions))
    report.mapping = {column: q.key for column, q in questions.items()}
    report.captures = captures
    report.ignored_columns = [c for c in kept if c not in questions and c not in captures]
    _included_suspects_mark(report, questions)
    return ImportTarget(form, questions, captures)


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
    """Import historical leads with outcomes into a form (or a new draft form built from them),
    in one transaction: the command line's import.

    Suspected leaks among the columns (filled in after the lead arrived) are left out unless
    `include` names them: the columns the marketer says were known when the lead arrived. An
    included suspect's question is marked known_at_arrival. With dry_run the file is checked and
    the report returned, and nothing is stored.
    """
    source = CsvSource.from_data(data, delimiter=delimiter)
    options = ImportOptions(
        outcome_column=outcome_column,
        positive_values=positive_values,
        order_by=order_by,
        exclude=_names(exclude),
        include=_names(include),
        mapping=mapping,
    )
    _target_check(form, create_form_slug)
    checked = columns_checked(source, options, form)
    scan = file_scan(source, options, **checked)
    new_form = (
        (create_form_slug.replace("-", " ").title(), create_form_slug) if create_form_slug else None
    )
    with transaction.atomic():
        target = import_target(scan, options, form=form, new_form=new_form)
        leads = leads_built(
            source, scan, form=target.form, questions=target.questions, captures=target.captures
        )
        for batch in batches(leads):
            if not dry_run:
                leads_contacts_link(form=target.form, leads=batch)
                Lead.objects.bulk_create(batch)
        if dry_run:
            transaction.set_rollback(True)
    return scan.report


def columns_checked(source: CsvSource, options: ImportOptions, form: Form | None) -> dict:
    """For an existing form, what the scan checks: column -> question and -> capture signal."""
    if form is None:
        return {}
    header = source.header()
    features = [
        c for c in header if c not in {options.outcome_column, options.order_by, *options.exclude}
    ]
    questions = columns_match(form, features, options.mapping)
    return {
        "questions": questions,
        "captures": captures_match(features, options.mapping, set(questions)),
    }


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
    options = ImportOptions(
        outcome_column=outcome_column,
        positive_values=positive_values,
        order_by=order_by,
        exclude=_names(exclude),
    )
    return file_scan(CsvSource.from_data(data, delimiter=delimiter), options).report.suspects


def _names(columns: list[str] | None) -> list[str]:
    return [c.strip() for c in columns or [] if c.strip()]


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


def _converted(outcome: str, positives: set[str] | None) -> bool | None:
    """Whether an outcome cell means a conversion; None when it is not a known outcome."""
    if positives is not None:
        return outcome in positives
    if outcome in POSITIVE_OUTCOMES:
        return True
    if outcome in NEGATIVE_OUTCOMES:
        return False
    return None
