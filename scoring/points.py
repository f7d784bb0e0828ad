"""The traditional points scorer: a marketer's rules, summed and clipped to 0-100.

Pure (standard library plus ``scoring.conditions``). Every lead gets a points score, always: it is
version 0 of every form's model and the fallback when no ML model can score.

A rule is a condition of ``scoring.conditions`` on an answer or a capture signal, with points::

    {"source": "answer" | "capture", "key": str, "operator": str, "value": ..., "points": int}

with optional ``"id"`` and ``"label"`` (shown in explanations; the forms app writes it with
``scoring.conditions.describe`` in the question's own words when it loads the rules). The
operators and what they mean are ``scoring.conditions``'s: ``equals`` / ``not_equals`` (numbers
numerically, text case-insensitively and stripped; for a list answer, "equals" means ``value`` is
among the selected; ``not_equals`` fires only when the field is set), ``in`` (a non-empty list),
``gte`` / ``lte`` (numeric; a missing or non-numeric value never fires), ``contains`` (text
contains, or a list holds, e.g. ``capture.key_pages`` contains "/pricing"), ``is_set`` (``false``
inverts it) and ``email_domain_kind`` (business/free/none).
"""

from __future__ import annotations

from typing import Any

from scoring.conditions import (
    InvalidCondition,
    condition_check,
    condition_holds,
    condition_shape_check,
    describe,
)

SOURCES = ("answer", "capture")


class InvalidRule(InvalidCondition):
    """A points rule is malformed; the message names the field and the problem."""


_ALLOWED_KEYS = {"source", "key", "operator", "value", "points", "id", "label"}
MAX_RULE_POINTS = 1000


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
    try:
        condition_shape_check(rule, sources=SOURCES)
    except InvalidCondition as exc:
        raise InvalidRule(f"rule {exc}") from exc
    points = rule["points"]
    if not isinstance(points, int) or isinstance(points, bool):
        raise InvalidRule(f"rule points must be an integer; got {points!r}")
    if abs(points) > MAX_RULE_POINTS:
        raise InvalidRule(f"rule points must be within ±{MAX_RULE_POINTS}; got {points}")
    try:
        condition_check(rule, sources=SOURCES)
    except InvalidCondition as exc:
        raise InvalidRule(str(exc)) from exc
    return rule


def rule_fires(rule: dict, lead: dict[str, Any]) -> bool:
    """Whether one (valid) rule applies to ``lead``, ``{"answers": {...}, "capture": {...}}``."""
    return condition_holds(rule, lead)


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
                    "label": rule.get("label") or describe(rule),
                    "points": rule["points"],
                }
            )
    return fired


def points_score(rules: list[dict], lead: dict) -> int:
    """The sum of the points of the rules that fire, clipped to 0-100."""
    total = sum(item["points"] for item in points_breakdown(rules, lead))
    return max(0, min(100, total))
