"""The traditional points scorer: a marketer's rules, summed and clipped to 0-100.

Pure (standard library plus ``scoring.features`` for the e-mail domain kind). Every lead gets a
points score, always: it is version 0 of every form's model and the fallback when no ML model
can score.

A rule is a dict::

    {"source": "answer" | "capture", "key": str, "operator": str, "value": ..., "points": int}

with optional ``"id"`` and ``"label"`` (shown in explanations). Operators, applied to the lead's
answer (or capture signal) named by ``key``:

- ``equals`` / ``not_equals``: the value equals ``value`` (strings compared case-insensitively
  and stripped, numbers numerically; for a list answer, "equals" means ``value`` is among the
  selected). ``not_equals`` fires only when the field is set and does not equal ``value``.
- ``in``: the value (or any selected value of a list) is in ``value`` (a non-empty list).
- ``gte`` / ``lte``: numeric comparison; a missing or non-numeric value never fires.
- ``contains``: case-insensitive substring of a text value, or membership for a list (e.g.
  ``capture.key_pages`` contains "/pricing").
- ``is_set``: the field is non-empty (``False`` for a consent counts as set); ``value`` may be
  omitted or ``true``; ``false`` inverts it (fires when the field is empty).
- ``email_domain_kind``: the e-mail address in ``key`` is of kind ``value`` (business/free/none).
"""

from __future__ import annotations

import math
from typing import Any

from scoring.features import EMAIL_DOMAIN_KINDS, email_domain_kind

OPERATORS = (
    "equals",
    "not_equals",
    "in",
    "gte",
    "lte",
    "contains",
    "is_set",
    "email_domain_kind",
)
SOURCES = ("answer", "capture")


class InvalidRule(ValueError):
    """A points rule is malformed; the message names the field and the problem."""


_ALLOWED_KEYS = {"source", "key", "operator", "value", "points", "id", "label"}
MAX_RULE_POINTS = 1000


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def validate_rule(rule: dict) -> dict:
    """Return ``rule`` if it is well formed; raise InvalidRule (a ValueError) otherwise."""
    if not isinstance(rule, dict):
        raise InvalidRule(f"a rule must be a dict, not {type(rule).__name__}")
    unknown = set(rule) - _ALLOWED_KEYS
    if unknown:
        raise InvalidRule(f"rule has unknown fields: {', '.join(sorted(unknown))}")
    for required in ("source", "key", "operator", "points"):
        if required not in rule:
            raise InvalidRule(f"rule is missing {required!r}")
    if rule["source"] not in SOURCES:
        raise InvalidRule(
            f"rule source must be one of {', '.join(SOURCES)}; got {rule['source']!r}"
        )
    if not isinstance(rule["key"], str) or not rule["key"].strip():
        raise InvalidRule("rule key must be a non-empty string")
    operator = rule["operator"]
    if operator not in OPERATORS:
        raise InvalidRule(f"rule operator must be one of {', '.join(OPERATORS)}; got {operator!r}")
    points = rule["points"]
    if not isinstance(points, int) or isinstance(points, bool):
        raise InvalidRule(f"rule points must be an integer; got {points!r}")
    if abs(points) > MAX_RULE_POINTS:
        raise InvalidRule(f"rule points must be within ±{MAX_RULE_POINTS}; got {points}")
    value = rule.get("value")
    if operator == "in":
        if not isinstance(value, (list, tuple)) or not value:
            raise InvalidRule("operator 'in' needs a non-empty list as value")
    elif operator in ("gte", "lte"):
        if not _is_number(value):
            raise InvalidRule(f"operator {operator!r} needs a number as value; got {value!r}")
    elif operator == "email_domain_kind":
        if value not in EMAIL_DOMAIN_KINDS:
            raise InvalidRule(
                f"operator 'email_domain_kind' needs one of {', '.join(EMAIL_DOMAIN_KINDS)}"
                f" as value; got {value!r}"
            )
    elif operator == "is_set":
        if value is not None and not isinstance(value, bool):
            raise InvalidRule(f"operator 'is_set' takes true, false or no value; got {value!r}")
    elif operator in ("equals", "not_equals", "contains") and (
        value is None or isinstance(value, (list, tuple, dict))
    ):
        raise InvalidRule(f"operator {operator!r} needs a single value; got {value!r}")
    return rule


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().lower()
    if _is_number(value):
        return float(value)
    return value


def _is_set(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict)):
        return bool(value)
    return True


def _equals(actual: Any, expected: Any) -> bool:
    if isinstance(actual, (list, tuple)):
        return _normal(expected) in {_normal(v) for v in actual}
    if isinstance(actual, str) and _is_number(expected):
        try:
            return float(actual.strip()) == float(expected)
        except ValueError:
            return False
    return _normal(actual) == _normal(expected)


def _to_float(value: Any) -> float | None:
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def rule_fires(rule: dict, lead: dict) -> bool:
    """Whether one (valid) rule applies to ``lead``."""
    fields = lead.get("answers" if rule["source"] == "answer" else "capture") or {}
    actual = fields.get(rule["key"])
    operator, expected = rule["operator"], rule.get("value")
    if operator == "email_domain_kind":
        return email_domain_kind(actual) == expected
    if operator == "is_set":
        return _is_set(actual) is (expected is not False)
    if not _is_set(actual):
        return False
    if operator == "equals":
        return _equals(actual, expected)
    if operator == "not_equals":
        return not _equals(actual, expected)
    if operator == "in":
        options = {_normal(v) for v in expected}
        values = actual if isinstance(actual, (list, tuple)) else [actual]
        return any(_normal(v) in options for v in values)
    if operator in ("gte", "lte"):
        number = _to_float(actual)
        if number is None:
            return False
        return number >= expected if operator == "gte" else number <= expected
    if operator == "contains":
        if isinstance(actual, (list, tuple)):
            return _normal(expected) in {_normal(v) for v in actual}
        return str(expected).strip().lower() in str(actual).lower()
    raise InvalidRule(f"unknown operator {operator!r}")


def points_breakdown(rules: list[dict], lead: dict) -> list[dict]:
    """The rules that fired for ``lead``, in rule order, each with its index and points."""
    fired = []
    for index, rule in enumerate(rules):
        validate_rule(rule)
        if rule_fires(rule, lead):
            fired.append(
                {
                    "rule": index,
                    "id": rule.get("id"),
                    "label": rule.get("label") or _describe(rule),
                    "points": rule["points"],
                }
            )
    return fired


def points_score(rules: list[dict], lead: dict) -> int:
    """The sum of the points of the rules that fire, clipped to 0-100."""
    total = sum(item["points"] for item in points_breakdown(rules, lead))
    return max(0, min(100, total))


def _describe(rule: dict) -> str:
    value = rule.get("value")
    if rule["operator"] == "is_set":
        return f"{rule['key']} {'is set' if value is not False else 'is not set'}"
    return f"{rule['key']} {rule['operator'].replace('_', ' ')} {value}"
