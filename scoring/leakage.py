"""The leakage guard: columns that were probably filled in after the lead arrived.

A column written by sales after contact ("Tags: Closed by Horizzon", "Lead Quality: High") makes a
model look perfect on history and fail on new leads, which arrive without it. Columns are flagged
two ways, each with a reason in words:

- by name: the column's name matches one of NAME_PATTERNS, general CRM field names that are
  usually filled in after a lead arrives (status, stage, tags, score, owner, notes, …). The
  patterns are about CRMs in general, not about any one file, and need no outcome data;
- by data: the column alone ranks the outcome almost perfectly (ROC AUC >= DATA_SUSPECT_AUC on the
  newest rows, learned on the older ones), which no honest form answer does.

A suspect is a question for the marketer ("was this known when the lead arrived?"), not a verdict:
the callers leave it out unless the answer is yes. Pure numpy and stdlib: the web process imports
it, and it imports nothing from forms_app.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from scoring.metrics import roc_auc

# Pattern (words of a normalised column name, matched on word boundaries) -> why a column so named
# is usually filled in after the lead arrived. A name word also matches its plural ("tag" matches
# "Tags"). Deliberately absent, because forms ask for them: bare "reason" ("Reason for contacting
# us"), "call" ("Do Not Call"), "contact" ("first contact date" is when the lead arrived), bare
# "contacted" ("I agree to be contacted"), "update" ("Receive updates"), "comment" (often the
# prospect's message), "last" ("Last name"), "qualification" ("Highest qualification"),
# "profile" and "source".
NAME_PATTERNS: dict[str, str] = {
    "status": "a lead or deal status is set by sales as the lead is worked",
    "stage": "a pipeline or deal stage moves as sales works the lead",
    "tag": "tags are labels sales add while working the lead",
    "tagged": "tags are labels sales add while working the lead",
    "quality": "lead quality is a judgement sales make after talking to the lead",
    "score": "a score is computed or given after the lead arrived, often from later activity",
    "grade": "a lead grade is given after the lead is reviewed",
    "rating": "a rating is given after the lead is reviewed",
    "activity": "activity fields record what happened after the lead arrived (calls, e-mails)",
    "activities": "activity fields record what happened after the lead arrived (calls, e-mails)",
    "engagement": "engagement is measured over the weeks after the lead arrived",
    "last touch": "the last touch happens after the lead arrived",
    "last modified": "a record is modified after the lead arrived",
    "modified": "a record is modified after the lead arrived",
    "updated": "a record is updated after the lead arrived",
    "last contacted": "the last contact happens after the lead arrived",
    "date contacted": "contact with sales happens after the lead arrived",
    "contacted at": "contact with sales happens after the lead arrived",
    "contacted date": "contact with sales happens after the lead arrived",
    "times contacted": "contact with sales happens after the lead arrived",
    "owner": "the owner is assigned when sales pick the lead up",
    "assigned": "a lead is assigned to a rep after it arrived",
    "assignee": "a lead is assigned to a rep after it arrived",
    "sales rep": "the rep is assigned after the lead arrived",
    "account manager": "the account manager is assigned after the lead arrived",
    "sdr": "the sales development rep is assigned after the lead arrived",
    "bdr": "the business development rep is assigned after the lead arrived",
    "note": "notes are written by sales while working the lead",
    "lost reason": "a lost reason is recorded when the deal is lost",
    "loss reason": "a loss reason is recorded when the deal is lost",
    "reason lost": "a lost reason is recorded when the deal is lost",
    "won reason": "a won reason is recorded when the deal is won",
    "close reason": "a close reason is recorded when the deal closes",
    "closed reason": "a close reason is recorded when the deal closes",
    "disqualification reason": "a disqualification reason is recorded when sales drop the lead",
    "disqualified": "sales disqualify a lead after reviewing it",
    "qualified": "sales qualify a lead after reviewing it",
    "disposition": "a disposition is the result of a sales call",
    "call outcome": "a call outcome is recorded after sales called the lead",
    "call result": "a call result is recorded after sales called the lead",
    "call attempts": "call attempts are counted after the lead arrived",
    "follow up": "follow-ups are planned or done by sales after the lead arrived",
    "followup": "follow-ups are planned or done by sales after the lead arrived",
    "next step": "the next step is decided by sales while working the lead",
    "next action": "the next action is decided by sales while working the lead",
    "deal": "a deal exists only once sales turned the lead into an opportunity",
    "opportunity": "an opportunity exists only once sales qualified the lead",
    "won": "whether a deal was won is the outcome itself",
    "lost": "whether a deal was lost is the outcome itself",
    "closed": "whether a deal closed is the outcome itself",
    "close date": "the close date is known only once the deal closes",
    "outcome": "the outcome is what the model predicts",
    "converted": "whether the lead converted is what the model predicts",
    "conversion": "whether the lead converted is what the model predicts",
    "probability": "a win probability is a forecast sales make while working the lead",
    "forecast": "a forecast is made by sales while working the lead",
    "replied": "a reply happens after the lead was contacted",
}

DATA_SUSPECT_AUC = 0.9
# A value seen fewer times than this in the older rows gets the overall rate: an ID column, whose
# values never repeat, then ranks nothing (ROC AUC ~0.5) instead of memorising each row.
_RARE_VALUE = 5
# Smoothing of per-value conversion rates toward the overall rate, in pseudo-leads.
_SMOOTHING = 10.0
# A value must cover this many leads (and 1 % of them) to be named as the most telling.
_TELLING_MIN_LEADS = 20
# Fewer converted or unconverted leads than this among the newer rows measure nothing reliably:
# then only names are checked.
_MIN_EACH_OUTCOME = 10
_MISSING = "\x00missing"


@dataclass(frozen=True)
class Suspect:
    """A column that was probably filled in after the lead arrived, and why."""

    column: str
    how: str  # "name" or "data"
    reason: str
    roc_auc: float | None = None  # how well it alone ranks the outcome, when measured

    def to_dict(self) -> dict:
        return asdict(self)


def _normalised_words(name: str) -> list[str]:
    """A column name as lower-case words: "lastActivityDate" and "Last_Activity date" alike."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return re.findall(r"[a-z0-9]+", spaced.lower())


_PATTERN_WORDS = [(pattern, _normalised_words(pattern)) for pattern in NAME_PATTERNS]


def _matches(words: list[str], pattern: list[str]) -> bool:
    """Whether the pattern's words appear in a row among the name's (plurals allowed)."""
    size = len(pattern)
    for start in range(len(words) - size + 1):
        if all(
            word in (expected, f"{expected}s", f"{expected}es")
            for word, expected in zip(words[start : start + size], pattern, strict=True)
        ):
            return True
    return False


def name_suspect(name: str) -> str | None:
    """Why a column so named is usually filled in after the lead arrived, or None.

    The first matching pattern of NAME_PATTERNS wins; matching is on whole words of the
    normalised name, so "Lead Status", "lead_status" and "leadStatus" match "status", while
    "Stagecoach" does not match "stage" and "Do Not Call" matches nothing.
    """
    words = _normalised_words(name)
    for pattern, pattern_words in _PATTERN_WORDS:
        if _matches(words, pattern_words):
            return f'Its name says "{pattern}": {NAME_PATTERNS[pattern]}.'
    return None


def _is_missing(value: str | float | None) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return not str(value).strip()


def _numbers(values: Sequence[str | float | None]) -> np.ndarray | None:
    """The column as floats (NaN when missing), or None when a present value is not a number."""
    out = np.full(len(values), np.nan)
    present = 0
    for index, value in enumerate(values):
        if _is_missing(value):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        if not math.isfinite(number):
            return None
        out[index] = number
        present += 1
    return out if present else None


def _numeric_auc(numbers: np.ndarray, y: np.ndarray, split: int) -> float:
    """ROC AUC of the value itself on the newer rows, either direction; missing values get the
    older rows' median (nothing else is learned)."""
    older = numbers[:split]
    fill = float(np.nanmedian(older)) if np.any(~np.isnan(older)) else 0.0
    newer = np.where(np.isnan(numbers[split:]), fill, numbers[split:])
    auc = roc_auc(y[split:], newer)
    return auc if math.isnan(auc) else max(auc, 1.0 - auc)


def _categories(values: Sequence[str | float | None]) -> list[str]:
    return [_MISSING if _is_missing(v) else str(v).strip() for v in values]


def _categorical_auc(categories: list[str], y: np.ndarray, split: int) -> float:
    """ROC AUC on the newer rows of each value's smoothed conversion rate on the older rows."""
    prior = float(y[:split].mean())
    counts: dict[str, list[float]] = {}
    for category, outcome in zip(categories[:split], y[:split], strict=True):
        tally = counts.setdefault(category, [0.0, 0.0])
        tally[0] += 1
        tally[1] += outcome
    rates = {
        category: (positives + _SMOOTHING * prior) / (n + _SMOOTHING)
        for category, (n, positives) in counts.items()
        if n >= _RARE_VALUE
    }
    scores = np.array([rates.get(category, prior) for category in categories[split:]])
    return roc_auc(y[split:], scores)


def _most_telling(categories: list[str], y: np.ndarray) -> str:
    """The value whose conversion rate is furthest from the overall rate, in words."""
    base = float(y.mean())
    counts: dict[str, list[float]] = {}
    for category, outcome in zip(categories, y, strict=True):
        tally = counts.setdefault(category, [0.0, 0.0])
        tally[0] += 1
        tally[1] += outcome
    floor = max(_TELLING_MIN_LEADS, 0.01 * len(categories))
    candidates = [
        (abs(positives / n - base), n, positives, category)
        for category, (n, positives) in counts.items()
        if category != _MISSING and n >= floor
    ]
    if not candidates:
        return ""
    _, n, positives, category = max(candidates)
    return f'; "{category}" converts {100 * positives / n:.0f} % of {int(n):,} leads'


def _auc_text(column: str, auc: float) -> str:
    return f'"{column}" alone ranks the outcome at {auc:.2f} ROC AUC'


def data_suspects(
    columns: dict[str, Sequence[str | float | None]],
    y: Sequence[int],
    *,
    train_fraction: float = 0.8,
) -> list[Suspect]:
    """Columns that alone rank the outcome at DATA_SUSPECT_AUC or better, measured honestly.

    Rows are given oldest first. Each column is learned on the older `train_fraction` of rows and
    measured on the newest rest: a categorical column by each value's smoothed conversion rate
    (rare or unseen values get the overall rate), a numeric one by its value in either direction.
    Missing values are None, NaN or empty strings; for a categorical column, "missing" is a value
    of its own (sales often leave a field empty until they work the lead). With fewer than 10
    converted or 10 unconverted leads among the newer rows nothing is measured: no suspects.
    """
    outcomes = np.asarray(y, dtype=np.float64).ravel()
    split = round(len(outcomes) * train_fraction)
    newer_converted = int(outcomes[split:].sum()) if 0 < split < len(outcomes) else 0
    if min(newer_converted, len(outcomes) - split - newer_converted) < _MIN_EACH_OUTCOME:
        return []
    suspects = []
    for column, values in columns.items():
        if len(values) != len(outcomes):
            raise ValueError(f"{column!r} has {len(values)} values but y has {len(outcomes)}")
        numbers = _numbers(values)
        if numbers is not None:
            auc, telling = _numeric_auc(numbers, outcomes, split), ""
        else:
            categories = _categories(values)
            auc = _categorical_auc(categories, outcomes, split)
            telling = _most_telling(categories, outcomes) if auc >= DATA_SUSPECT_AUC else ""
        if not math.isnan(auc) and auc >= DATA_SUSPECT_AUC:
            suspects.append(
                Suspect(
                    column=column,
                    how="data",
                    reason=f"{_auc_text(column, auc)}{telling}.",
                    roc_auc=round(auc, 4),
                )
            )
    return suspects


def suspects_find(
    columns: dict[str, Sequence[str | float | None]], y: Sequence[int] | None
) -> list[Suspect]:
    """Suspects by name and by data, one per column, in the columns' order.

    A column suspect both ways is one suspect found by name, the data's figure added to its
    reason. With y None (no outcomes yet) only names are checked.
    """
    by_data = {s.column: s for s in data_suspects(columns, y)} if y is not None else {}
    suspects = []
    for column in columns:
        reason, measured = name_suspect(column), by_data.get(column)
        if reason is not None:
            if measured is not None:
                reason = f"{reason} {measured.reason}"
            auc = measured.roc_auc if measured else None
            suspects.append(Suspect(column=column, how="name", reason=reason, roc_auc=auc))
        elif measured is not None:
            suspects.append(measured)
    return suspects
