"""The feature spec of a form and the vectorisation of leads into model inputs.

Pure: this module imports numpy and the standard library only, because it runs in the web
process on every submit (see ``scoring.runtime``) as well as in training. The same
``feature_matrix`` feeds training (through a DataFrame built from it) and serving (straight into
onnxruntime), so training and serving cannot disagree about what a lead looks like.

A lead is a plain dict ``{"answers": {question_key: value}, "capture": {...}}``.

How each question kind becomes features (only questions with ``feeds_score``):

- ``single_choice``, ``dropdown``: one categorical feature holding the choice *value* (the stable
  key, not the label). Its vocabulary is the values seen at least ``min_category_count`` times in
  the training rows (all declared choices when no rows are given); anything else maps to
  ``__other__`` and an empty answer to ``__missing__``. The model sees a categorical as an int64
  code: its position in ``Feature.categories`` (the vocabulary, then ``__other__``, then
  ``__missing__``), or, when a model was trained with outcomes to rank by, its position in
  ``Feature.order`` (the same categories ordered by conversion rate, so a tree splits low from
  high converters in one cut). Integer inputs cost onnxruntime far less than string tensors on
  every submit. However many values a column has, the ones seen often enough are kept.
- ``hidden``: a categorical feature like a choice, but its vocabulary can only come from rows (a
  hidden field has no declared choices), e.g. a campaign id filled in by the embed, or a landing
  page imported from a CRM export.
- ``number``: one float feature; missing or unparsable answers are NaN. When training rows leave
  it blank now and then, an "answered" 0/1 companion follows it (a linear model cannot see NaN).
- ``multiple_choice``: one 0/1 indicator per declared option (multi-hot).
- ``consent``: one 0/1 feature (missing counts as not given).
- ``short_text``, ``long_text``, ``phone``: one 0/1 "answered" indicator. Free text is not a
  category: its values never repeat, and reading its content is out of scope for the model.
- ``email``: no feature of its own. The first e-mail question of the form (whether or not it feeds
  the score) gives the ``email_domain_kind`` capture signal: ``business``, ``free`` (a consumer
  mailbox, list in ``scoring/data/free_email_domains.txt``) or ``none`` (absent or malformed).

Capture signals (all optional in a lead): ``utm_source``, ``utm_medium``, the referrer host and
``device`` are categorical (lower-cased); ``seconds_to_complete``, ``page_views``, ``sessions`` and
``days_since_first_visit`` are numeric (NaN when absent); each configured key page gives a 0/1
"visited" indicator (a visited path counts for a key page when it is that page or below it).

When training rows are given, vocabularies are learned from them and every feature that is constant
(or absent) across all rows is dropped, so a history without capture data gives no dead inputs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

SPEC_FORMAT = 2  # 2: categoricals are fed as int64 codes (1 fed strings)

QUESTION_KINDS = (
    "short_text",
    "long_text",
    "email",
    "phone",
    "number",
    "single_choice",
    "dropdown",
    "multiple_choice",
    "consent",
    "hidden",
)
CATEGORICAL = "categorical"
NUMERIC = "numeric"
OTHER = "__other__"
MISSING = "__missing__"
DEFAULT_MIN_CATEGORY_COUNT = 5
RANK_SMOOTHING = 10.0  # pseudo-rows at the overall rate when ranking a category by its outcomes

EMAIL_DOMAIN_KINDS = ("business", "free", "none")
DEVICES = ("desktop", "mobile", "tablet")

# Capture signals in words, in the order a lead page lists them: the one map of their names, for
# model inputs, conditions (``scoring.conditions.describe``) and the pages that show a lead.
CAPTURE_SIGNAL_LABELS = {
    "utm_source": "UTM source",
    "utm_medium": "UTM medium",
    "utm_campaign": "UTM campaign",
    "utm_term": "UTM term",
    "utm_content": "UTM content",
    "referrer": "Referrer",
    "page_url": "Page",
    "device": "Device",
    "seconds_to_complete": "Seconds to complete",
    "page_views": "Page views",
    "sessions": "Visits",
    "days_since_first_visit": "Days since first visit",
    "key_pages": "Key pages visited",
}


def capture_signal_label(key: str) -> str:
    """A capture signal's name in words ("UTM source"); an unknown one from its key."""
    return CAPTURE_SIGNAL_LABELS.get(key) or key.replace("_", " ").capitalize()


# (signal, label) in the order they appear in a spec.
CAPTURE_CATEGORICAL_SIGNALS = tuple(
    (signal, CAPTURE_SIGNAL_LABELS[signal])
    for signal in ("utm_source", "utm_medium", "referrer", "device")
)
CAPTURE_NUMERIC_SIGNALS = tuple(
    (signal, CAPTURE_SIGNAL_LABELS[signal])
    for signal in ("seconds_to_complete", "page_views", "sessions", "days_since_first_visit")
)

# How a feature's value is derived from a lead; stored in the spec, so never rename one.
T_CHOICE = "choice"  # answer value as a category (choice, dropdown, hidden)
T_NUMBER = "number"  # answer as float
T_NUMBER_ANSWERED = "number_answered"  # answer is a number as 0/1 (companion of T_NUMBER)
T_OPTION = "option"  # multiple_choice: is `option` among the selected values
T_CONSENT = "consent"  # bool answer as 0/1
T_ANSWERED = "answered"  # free text: non-empty as 0/1
T_EMAIL_DOMAIN = "email_domain_kind"  # answer `key` (an e-mail) -> business/free/none
T_SIGNAL = "signal"  # capture value as category (lower-cased) or float
T_REFERRER_HOST = "referrer_host"  # capture referrer URL -> host
T_KEY_PAGE = "key_page"  # capture key_pages contains `option` (a path)

_FEATURE_KINDS = (CATEGORICAL, NUMERIC)
_SOURCES = ("answer", "capture")
_TRANSFORMS = (
    T_CHOICE,
    T_NUMBER,
    T_NUMBER_ANSWERED,
    T_OPTION,
    T_CONSENT,
    T_ANSWERED,
    T_EMAIL_DOMAIN,
    T_SIGNAL,
    T_REFERRER_HOST,
    T_KEY_PAGE,
)


@dataclass(frozen=True)
class QuestionInput:
    """What the scoring core needs to know about one question of a form."""

    key: str
    label: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    feeds_score: bool = True
    known_at_arrival: bool | None = None  # the marketer's answer; None: not asked


@dataclass(frozen=True)
class Feature:
    """One model input: a stable ONNX input name and how to compute it from a lead."""

    name: str
    kind: str  # CATEGORICAL or NUMERIC
    source: str  # "answer" or "capture"
    key: str  # the answer key, or the capture signal
    transform: str  # one of the T_* constants
    label: str  # in the question's own wording
    option: str | None = None  # the option value (T_OPTION) or the page path (T_KEY_PAGE)
    vocabulary: tuple[str, ...] = ()  # categorical only: values kept at training time
    value_labels: tuple[tuple[str, str], ...] = ()  # value -> human label
    # Categorical only: the categories in code order when learned by outcome rate (empty: the
    # vocabulary, then ``__other__``, then ``__missing__``).
    order: tuple[str, ...] = ()
    _codes: dict[str, int] = field(init=False, repr=False, compare=False, default=None)
    _other_code: int = field(init=False, repr=False, compare=False, default=0)
    _missing_code: int = field(init=False, repr=False, compare=False, default=0)
    _value_label_map: dict[str, str] = field(init=False, repr=False, compare=False, default=None)
    _extract: Callable[[dict, dict], Any] = field(
        init=False, repr=False, compare=False, default=None
    )

    def __post_init__(self) -> None:
        if self.kind not in _FEATURE_KINDS:
            raise ValueError(f"feature {self.name!r}: unknown kind {self.kind!r}")
        if self.source not in _SOURCES:
            raise ValueError(f"feature {self.name!r}: unknown source {self.source!r}")
        if self.transform not in _TRANSFORMS:
            raise ValueError(f"feature {self.name!r}: unknown transform {self.transform!r}")
        codes = {c: i for i, c in enumerate(self.categories)}
        if self.order and sorted(self.order) != sorted((*self.vocabulary, OTHER, MISSING)):
            raise ValueError(f"feature {self.name!r}: its order is not its categories")
        object.__setattr__(self, "_codes", codes)
        object.__setattr__(self, "_other_code", codes[OTHER])
        object.__setattr__(self, "_missing_code", codes[MISSING])
        object.__setattr__(self, "_value_label_map", dict(self.value_labels))
        object.__setattr__(self, "_extract", _extractor(self))

    @property
    def categories(self) -> tuple[str, ...]:
        """What a categorical's codes stand for: code ``i`` is ``categories[i]``."""
        return self.order or (*self.vocabulary, OTHER, MISSING)

    def code(self, raw: str | None) -> int:
        """The code of a raw value: its vocabulary entry, or ``__other__``, or ``__missing__``."""
        if raw is None or raw == "":
            return self._missing_code
        return self._codes.get(raw, self._other_code)

    def category_code(self, category: str) -> int:
        """The code of one of ``categories`` (e.g. a stored occlusion baseline)."""
        return self._codes[category]

    def value_label(self, value: Any) -> str:
        """A human description of this feature taking ``value``, e.g. "Timeline: within 1 month"."""
        labels = self._value_label_map
        if self.kind == CATEGORICAL:
            if value == MISSING:
                shown = "not answered" if self.source == "answer" else "unknown"
            elif value == OTHER:
                shown = "other"
            else:
                shown = labels.get(value, value)
            return f"{self.label}: {shown}"
        number = float(value) if value is not None else math.nan
        if math.isnan(number):
            return f"{self.label}: {'not answered' if self.source == 'answer' else 'unknown'}"
        if self.transform == T_OPTION:
            option_label = labels.get(self.option, self.option)
            return f"{self.label}: {option_label if number else 'not ' + option_label}"
        if self.transform == T_CONSENT:
            return f"{self.label}: {'yes' if number else 'no'}"
        if self.transform in (T_ANSWERED, T_NUMBER_ANSWERED):
            return f"{self.label}: {'answered' if number else 'not answered'}"
        if self.transform == T_KEY_PAGE:
            return f"{self.label}: {'visited' if number else 'not visited'}"
        return f"{self.label}: {_format_number(number)}"

    def __reduce__(self):
        # The cached extractor is a closure; rebuild from the plain fields instead of pickling it.
        return (Feature.from_dict, (self.to_dict(),))

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "source": self.source,
            "key": self.key,
            "transform": self.transform,
            "label": self.label,
            "option": self.option,
            "vocabulary": list(self.vocabulary),
            "value_labels": dict(self.value_labels),
            **({"order": list(self.order)} if self.order else {}),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Feature:
        return cls(
            name=d["name"],
            kind=d["kind"],
            source=d["source"],
            key=d["key"],
            transform=d["transform"],
            label=d["label"],
            option=d.get("option"),
            vocabulary=tuple(d.get("vocabulary", ())),
            value_labels=tuple(d.get("value_labels", {}).items()),
            order=tuple(d.get("order", ())),
        )


@dataclass(frozen=True)
class FeatureSpec:
    """The ordered model inputs of one model version; stored with it as JSON."""

    features: tuple[Feature, ...]
    format: int = SPEC_FORMAT

    # Cached: the serving path asks for these on every lead.
    @cached_property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @cached_property
    def categorical_features(self) -> list[Feature]:
        return [f for f in self.features if f.kind == CATEGORICAL]

    @cached_property
    def numeric_features(self) -> list[Feature]:
        return [f for f in self.features if f.kind == NUMERIC]

    @cached_property
    def categorical_names(self) -> list[str]:
        return [f.name for f in self.categorical_features]

    @cached_property
    def numeric_names(self) -> list[str]:
        return [f.name for f in self.numeric_features]

    @cached_property
    def feed_layout(self) -> list[tuple[str, bool, int]]:
        """(name, is numeric, row in its kind's block) in spec order, for feature_matrix."""
        position = {f.name: i for i, f in enumerate(self.numeric_features)}
        position |= {f.name: i for i, f in enumerate(self.categorical_features)}
        return [(f.name, f.kind == NUMERIC, position[f.name]) for f in self.features]

    @cached_property
    def _by_name(self) -> dict[str, Feature]:
        return {f.name: f for f in self.features}

    def feature(self, name: str) -> Feature:
        return self._by_name[name]

    def lead_values(self, lead: dict) -> tuple[list[float], list[int]]:
        """One lead's numeric values and categorical codes, each in its block's spec order."""
        answers, capture = lead.get("answers") or {}, lead.get("capture") or {}
        return (
            [f._extract(answers, capture) for f in self.numeric_features],
            [f.code(f._extract(answers, capture)) for f in self.categorical_features],
        )

    def to_dict(self) -> dict:
        return {"format": self.format, "features": [f.to_dict() for f in self.features]}

    @classmethod
    def from_dict(cls, d: dict) -> FeatureSpec:
        if d.get("format") != SPEC_FORMAT:
            raise ValueError(
                f"feature spec format {d.get('format')!r} is not served by this formscore"
                f" (it serves format {SPEC_FORMAT}); train the form again"
            )
        return cls(features=tuple(Feature.from_dict(f) for f in d["features"]))


# --- raw signals ---------------------------------------------------------------------------


@cache
def free_email_domains() -> frozenset[str]:
    path = Path(__file__).with_name("data") / "free_email_domains.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


def email_domain_kind(address: Any) -> str:
    """``business``, ``free`` or ``none`` (absent or not an e-mail address)."""
    if not isinstance(address, str):
        return "none"
    local, at, domain = address.strip().lower().rpartition("@")
    domain = domain.strip(". ")
    if not at or not local or "." not in domain or " " in domain:
        return "none"
    free = free_email_domains()
    if domain in free:
        return "free"
    # A subdomain of a free provider (e.g. "x@mail.yahoo.co.uk") is free too.
    while "." in domain:
        domain = domain.split(".", 1)[1]
        if domain in free:
            return "free"
    return "business"


def referrer_host(url: Any) -> str:
    """The host of a referrer URL, lower-cased, without ``www.``; "" when there is none."""
    if not isinstance(url, str) or not url.strip():
        return ""
    url = url.strip()
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _to_float(value: Any) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            return math.nan
    else:
        return math.nan
    return number if math.isfinite(number) else math.nan


def _as_text(value: Any) -> str:
    if value is None or isinstance(value, (list, tuple, dict)):
        return ""
    return str(value).strip()


def _visited(paths: Any, page: str) -> bool:
    if not isinstance(paths, (list, tuple)):
        return False
    page = page.rstrip("/") or "/"
    for path in paths:
        if not isinstance(path, str):
            continue
        path = path.split("?", 1)[0].split("#", 1)[0].rstrip("/") or "/"
        if path == page or (page != "/" and path.startswith(page + "/")):
            return True
    return False


# Transforms that read one answer and nothing else: answer -> raw value.
_OF_ONE_ANSWER: dict[str, Callable[[Any], Any]] = {
    T_CHOICE: _as_text,
    T_NUMBER: _to_float,
    T_NUMBER_ANSWERED: lambda value: 0.0 if math.isnan(_to_float(value)) else 1.0,
    T_ANSWERED: lambda value: 1.0 if _as_text(value) else 0.0,
    T_EMAIL_DOMAIN: email_domain_kind,
}


def _extractor(feature: Feature) -> Callable[[dict, dict], Any]:
    """A function (answers, capture) -> the feature's raw value (str, or float for numerics).

    Built once per feature: the web process calls it on every submit, so the dispatch on the
    transform happens here rather than per call.
    """
    t, key, option = feature.transform, feature.key, feature.option
    if t in _OF_ONE_ANSWER:
        of_answer = _OF_ONE_ANSWER[t]
        return lambda answers, capture: of_answer(answers.get(key))
    if t == T_OPTION:

        def selected(answers: dict, capture: dict) -> float:
            chosen = answers.get(key)
            if isinstance(chosen, str):
                return 1.0 if chosen == option else 0.0
            return 1.0 if isinstance(chosen, (list, tuple)) and option in chosen else 0.0

        return selected
    if t == T_CONSENT:

        def consent(answers: dict, capture: dict) -> float:
            value = answers.get(key)
            if isinstance(value, str):
                return 1.0 if value.strip().lower() in ("1", "true", "yes", "on") else 0.0
            return 1.0 if value is True or value == 1 else 0.0

        return consent
    if t == T_SIGNAL and feature.kind == NUMERIC:
        return lambda answers, capture: _to_float(capture.get(key))
    if t == T_SIGNAL:
        return lambda answers, capture: _as_text(capture.get(key)).lower()
    if t == T_REFERRER_HOST:
        return lambda answers, capture: referrer_host(capture.get(key))
    if t == T_KEY_PAGE:
        page = option or ""
        return lambda answers, capture: 1.0 if _visited(capture.get("key_pages"), page) else 0.0
    raise ValueError(f"unknown transform {t!r}")


# --- the spec ------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()[:48] or "x"


class _Names:
    """Valid, unique ONNX input names, derived only from keys so they survive label edits."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, base: str) -> str:
        name, n = base, 2
        while name in self.used:
            name, n = f"{base}_{n}", n + 1
        self.used.add(name)
        return name


def _candidate_features(questions: list[QuestionInput], key_pages) -> list[Feature]:
    names = _Names()
    features: list[Feature] = []
    for q in questions:
        if q.kind not in QUESTION_KINDS:
            raise ValueError(f"question {q.key!r}: unknown kind {q.kind!r}")
        if not q.feeds_score or q.kind == "email":
            continue
        base = "q_" + _slug(q.key)
        common = {"source": "answer", "key": q.key, "label": q.label}
        if q.kind in ("single_choice", "dropdown", "hidden"):
            features.append(
                Feature(
                    name=names.make(base),
                    kind=CATEGORICAL,
                    transform=T_CHOICE,
                    vocabulary=tuple(v for v, _ in q.choices if v not in (OTHER, MISSING)),
                    value_labels=tuple(q.choices),
                    **common,
                )
            )
        elif q.kind == "number":
            features.append(
                Feature(name=names.make(base), kind=NUMERIC, transform=T_NUMBER, **common)
            )
        elif q.kind == "multiple_choice":
            for value, label in q.choices:
                features.append(
                    Feature(
                        name=names.make(f"{base}__{_slug(value)}"),
                        kind=NUMERIC,
                        transform=T_OPTION,
                        option=value,
                        value_labels=((value, label),),
                        **common,
                    )
                )
        elif q.kind == "consent":
            features.append(
                Feature(name=names.make(base), kind=NUMERIC, transform=T_CONSENT, **common)
            )
        else:  # short_text, long_text, phone
            features.append(
                Feature(name=names.make(base), kind=NUMERIC, transform=T_ANSWERED, **common)
            )

    email_question = next((q for q in questions if q.kind == "email"), None)
    if email_question is not None:
        features.append(
            Feature(
                name=names.make("email_domain_kind"),
                kind=CATEGORICAL,
                source="answer",
                key=email_question.key,
                transform=T_EMAIL_DOMAIN,
                label="E-mail domain",
                vocabulary=EMAIL_DOMAIN_KINDS,
                value_labels=(("business", "business"), ("free", "free mailbox"), ("none", "none")),
            )
        )
    for signal, label in CAPTURE_CATEGORICAL_SIGNALS:
        is_referrer = signal == "referrer"
        features.append(
            Feature(
                name=names.make("c_referrer_host" if is_referrer else "c_" + signal),
                kind=CATEGORICAL,
                source="capture",
                key=signal,
                transform=T_REFERRER_HOST if is_referrer else T_SIGNAL,
                label=label,
                vocabulary=DEVICES if signal == "device" else (),
            )
        )
    for signal, label in CAPTURE_NUMERIC_SIGNALS:
        features.append(
            Feature(
                name=names.make("c_" + signal),
                kind=NUMERIC,
                source="capture",
                key=signal,
                transform=T_SIGNAL,
                label=label,
            )
        )
    for page in dict.fromkeys(key_pages):  # de-duplicated, order kept
        features.append(
            Feature(
                name=names.make("page_" + (_slug(page) if page.strip("/") else "home")),
                kind=NUMERIC,
                source="capture",
                key="key_pages",
                transform=T_KEY_PAGE,
                option=page,
                label=f"Visited {page}",
            )
        )
    return features


def _learn_vocabulary(
    feature: Feature, values: list[str], min_count: int, ranking: Sequence[bool] | None
) -> Feature:
    counts = Counter(values)
    for not_a_value in ("", OTHER, MISSING):
        counts.pop(not_a_value, None)
    vocabulary = tuple(sorted(v for v, n in counts.items() if n >= min_count))
    order = _ranked(vocabulary, values, ranking) if ranking is not None else ()
    labels = dict(feature.value_labels)
    return Feature(
        name=feature.name,
        kind=feature.kind,
        source=feature.source,
        key=feature.key,
        transform=feature.transform,
        label=feature.label,
        option=feature.option,
        vocabulary=vocabulary,
        value_labels=tuple((v, labels[v]) for v in vocabulary if v in labels),
        order=order,
    )


def _ranked(
    vocabulary: tuple[str, ...], values: list[str], ranking: Sequence[bool]
) -> tuple[str, ...]:
    """The categories (vocabulary, ``__other__``, ``__missing__``) ordered by conversion rate
    among the first ``len(ranking)`` rows, lowest first.

    A rate is shrunk toward the overall rate (a category seen in few rows stays near it); ties
    keep alphabetical order. Ordered codes let a tree split a categorical into its low- and
    high-converting values in one cut, as native categorical splits would (those do not export
    to ONNX); a linear model one-hot encodes the codes, so their order is nothing to it.
    """
    outcomes = np.asarray(ranking, dtype=np.float64)
    prior = float(outcomes.mean()) if outcomes.size else 0.0
    kept = set(vocabulary)
    seen: dict[str, list[float]] = {}
    for value, outcome in zip(values, outcomes, strict=False):
        category = MISSING if value == "" else value if value in kept else OTHER
        seen.setdefault(category, []).append(outcome)

    def rate(category: str) -> float:
        hits = seen.get(category, [])
        return (sum(hits) + RANK_SMOOTHING * prior) / (len(hits) + RANK_SMOOTHING)

    return tuple(sorted((*vocabulary, OTHER, MISSING), key=lambda c: (rate(c), c)))


def _with_answered(features: list[tuple[Feature, list]]) -> list[Feature]:
    """Each numeric answer left blank in some rows gains an "answered" 0/1 companion.

    ``features``: each feature with its raw values. Imputation hides that a number was missing;
    a linear model can only learn from it through an explicit indicator (trees see the NaN
    themselves, and ignore a companion they don't need).
    """
    out: list[Feature] = []
    names = _Names()
    names.used.update(f.name for f, _values in features)
    for feature, raw in features:
        out.append(feature)
        if feature.transform != T_NUMBER:
            continue
        values = np.asarray(raw, dtype=np.float64)
        if np.isnan(values).any() and not np.isnan(values).all():
            out.append(
                Feature(
                    name=names.make(feature.name + "__answered"),
                    kind=NUMERIC,
                    source=feature.source,
                    key=feature.key,
                    transform=T_NUMBER_ANSWERED,
                    label=feature.label,
                )
            )
    return out


def _is_constant(feature: Feature, raw: list) -> bool:
    if feature.kind == CATEGORICAL:
        return len({feature.code(value) for value in raw}) <= 1
    array = np.asarray(raw, dtype=np.float64)
    missing = np.isnan(array)
    if missing.all():
        return True
    present = array[~missing]
    return bool(present.min() == present.max()) and not missing.any()


def feature_spec_build(
    *,
    questions: list[QuestionInput],
    key_pages: list[str] | tuple[str, ...] = (),
    rows: list[dict] | None = None,
    min_category_count: int = DEFAULT_MIN_CATEGORY_COUNT,
    ranking: Sequence[bool] | None = None,
) -> FeatureSpec:
    """The feature spec of a form: its scoring questions plus the capture signals.

    Without ``rows`` the spec holds every candidate feature, with declared choices as vocabulary.
    With ``rows`` (the leads a model is trained on), categorical vocabularies are the values seen
    at least ``min_category_count`` times, however many there are; features constant across all
    rows are dropped, and a number left blank in some rows gains an "answered" companion.
    ``ranking`` (the outcomes of the first rows, the training part only, so a holdout's outcomes
    stay unseen) orders each vocabulary by conversion rate instead of alphabetically.
    """
    features = _candidate_features(list(questions), key_pages)
    if rows is not None:
        parts = [(row.get("answers") or {}, row.get("capture") or {}) for row in rows]
        learned = []
        for feature in features:
            # Each feature's values are read from the rows once (a long history has many rows).
            raw = [feature._extract(answers, capture) for answers, capture in parts]
            if feature.kind == CATEGORICAL:
                feature = _learn_vocabulary(feature, raw, min_category_count, ranking)
            if not _is_constant(feature, raw):
                learned.append((feature, raw))
        features = _with_answered(learned)
    return FeatureSpec(features=tuple(features))


def feature_matrix(spec: FeatureSpec, leads: list[dict]) -> dict[str, np.ndarray]:
    """The ONNX feed for ``leads``: one (n, 1) array per feature, in spec order.

    Categoricals are int64 codes (see ``Feature.code``); numerics are float32 with NaN for
    missing.
    """
    n = len(leads)
    if n == 1:
        number_values, code_values = spec.lead_values(leads[0])
    else:
        parts = [(lead.get("answers") or {}, lead.get("capture") or {}) for lead in leads]
        number_values = [[f._extract(a, c) for a, c in parts] for f in spec.numeric_features]
        code_values = [
            [f.code(f._extract(a, c)) for a, c in parts] for f in spec.categorical_features
        ]
    # One array per kind, then a contiguous (n, 1) view per feature: several times cheaper than
    # one np.array call per feature.
    numbers = np.array(number_values, dtype=np.float32).reshape(len(spec.numeric_features), n, 1)
    codes = np.array(code_values, dtype=np.int64).reshape(len(spec.categorical_features), n, 1)
    return {
        name: (numbers if is_numeric else codes)[index]
        for name, is_numeric, index in spec.feed_layout
    }


def _format_number(number: float) -> str:
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.3g}"
