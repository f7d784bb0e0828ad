"""Conditions are evaluated once: in scoring/conditions.py, which routing, points and show-when use.

Two guards. The first reads every module of forms_app/ and scoring/ and fails on code that
branches on an operator's name (``operator == "gte"``, ``op in ("gte", "lte")``,
``rule.operator == PointsRule.Operator.GTE``, ``case "is_set":``, ``{"gte": operator.ge}``)
anywhere but scoring/conditions.py: an evaluator cannot tell its operators apart without one.
The second checks that the three callers evaluate through ``scoring.conditions``, so a
show-when or routing check rewritten by hand (the old show-when evaluator was a set
intersection, with no operator names to find) fails too.
"""

import ast
from pathlib import Path

import pytest

from scoring.conditions import OPERATORS

ROOT = Path(__file__).resolve().parents[1]
THE_ONE_MODULE = ROOT / "scoring" / "conditions.py"
OPERATOR_NAMES = set(OPERATORS)
OPERATOR_CONSTANTS = {name.upper() for name in OPERATOR_NAMES}  # PointsRule.Operator.GTE …


def _names(node: ast.AST) -> set[str]:
    """Operator names a node spells: "gte", ("gte", "lte"), PointsRule.Operator.GTE."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value} & OPERATOR_NAMES
    if isinstance(node, ast.Attribute) and node.attr in OPERATOR_CONSTANTS:
        return {node.attr.lower()}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(_names(item) for item in node.elts))
    return set()


def _is_data(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def operator_branches(source: str) -> list[str]:
    """Where code tells operators apart by name: "line: names" for each place."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: set[str] = set()
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                names |= _names(operand)
        elif isinstance(node, ast.MatchValue):
            names |= _names(node.value)
        elif isinstance(node, ast.Dict):
            # {"gte": "min_score"} is data; {"gte": operator.ge} or {"gte": lambda …} dispatches.
            for key, value in zip(node.keys, node.values, strict=True):
                if key is not None and not _is_data(value):
                    names |= _names(key)
        if names:
            found.append(f"{node.lineno}: {', '.join(sorted(names))}")
    return found


def test_no_module_but_scoring_conditions_tells_operators_apart():
    offenders = [
        f"{path.relative_to(ROOT)}:{where}"
        for package in ("forms_app", "scoring")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != THE_ONE_MODULE
        for where in operator_branches(path.read_text())
    ]

    assert offenders == []


# The evaluators this module replaced, as they were written, and two other ways to write one.
ROUTING_EVALUATOR = """
def condition_holds(condition, lead):
    operator, expected = condition.get("operator"), condition.get("value")
    actual = lead.score
    if operator in ("gte", "lte"):
        left, right = _number(actual), _number(expected)
        return left >= right if operator == "gte" else left <= right
    if operator == "equals":
        return str(expected).lower() in [str(actual).lower()]
    return False
"""
POINTS_EVALUATOR = """
def rule_fires(rule, lead):
    operator = rule["operator"]
    if operator == "is_set":
        return _is_set(actual)
    if operator == "contains":
        return expected in actual
"""
CHOICES_EVALUATOR = """
def holds(rule, value):
    if rule.operator == PointsRule.Operator.GTE:
        return value >= rule.value
"""
MATCH_EVALUATOR = """
def holds(operator, actual, expected):
    match operator:
        case "lte":
            return actual <= expected
"""
DISPATCH_EVALUATOR = """
import operator
COMPARE = {"gte": operator.ge, "lte": lambda a, b: a <= b}
"""


@pytest.mark.parametrize(
    "source",
    [ROUTING_EVALUATOR, POINTS_EVALUATOR, CHOICES_EVALUATOR, MATCH_EVALUATOR, DISPATCH_EVALUATOR],
)
def test_the_guard_catches_a_second_evaluator(source):
    assert operator_branches(source)


def test_the_guard_lets_data_keyed_by_operator_through():
    source = 'FIELDS = {"gte": "min_score", "lte": "max_score"}\nCOUNTRY = {"in": -0.4}\n'

    assert operator_branches(source) == []


def _imported_from_conditions(path: Path) -> set[str]:
    return {
        alias.name
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module == "scoring.conditions"
        for alias in node.names
    }


def _called(path: Path) -> set[str]:
    return {
        node.func.id
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


@pytest.mark.parametrize(
    "caller",
    ["forms_app/sales/routing.py", "scoring/points.py", "forms_app/capture/answer_form.py"],
)
def test_routing_points_and_show_when_evaluate_through_scoring_conditions(caller):
    path = ROOT / caller
    evaluators = {"condition_holds", "conditions_hold"}

    used = _imported_from_conditions(path) & _called(path) & evaluators

    assert used, f"{caller} must evaluate its conditions with scoring.conditions"
