"""Each check of a submit exists once: only the submission check (forms_app/capture/checks.py)
calls the spam defences, the origin check, the form token, the step and the answers' own form.

A fourth entry point (or a view that checks "just this one thing" itself) fails here, instead of
drifting from the others the way three copies once did.
"""

import ast
from pathlib import Path

import pytest

FORMS_APP = Path(__file__).resolve().parents[1] / "forms_app"
THE_CHECK = "capture/checks.py"

# The checks of a submit, each called only by the submission check.
CHECKS = (
    "rate_limit_exceeded",
    "submit_origin_allowed",
    "form_token_read",
    "honeypot_filled",
    "filled_too_fast",
    "spam_refusal_record",
    "step_posted",
)
# Besides the check, only the builder's what-if preview (which stores nothing) binds a form's
# questions to answers, and it judges them on purpose more leniently.
ANSWERS_BOUND_ALSO_IN = {"views/preview.py"}


def _names_used(tree: ast.AST) -> set[str]:
    """Functions the module calls or imports by name (aliased imports count as well)."""
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            used |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                used.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                used.add(node.func.attr)
    return used


def _defines(tree: ast.AST, name: str) -> bool:
    return any(isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body)


def callers(root: Path, name: str) -> set[str]:
    """The modules under root that use the function, apart from the one defining it."""
    found = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        if name in _names_used(tree) and not _defines(tree, name):
            found.add(path.relative_to(root).as_posix())
    return found


def _is_answer_form_class(func: ast.expr, classes: set[str]) -> bool:
    if isinstance(func, ast.Call) and getattr(func.func, "id", None) == "form_class_for":
        return True
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name in classes or name == "form_class"


def answer_binders(root: Path) -> set[str]:
    """The modules that bind a form's answer form to submitted data (`form_class_for(form)(data)`,
    or a class taken from it called with data), which is how answers are judged."""
    found = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        classes = {
            target.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) == "form_class_for"
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            bound = isinstance(node, ast.Call) and (
                node.args or any(keyword.arg == "data" for keyword in node.keywords)
            )
            if bound and _is_answer_form_class(node.func, classes):
                found.add(path.relative_to(root).as_posix())
    return found


@pytest.mark.parametrize("check", CHECKS)
def test_each_check_of_a_submit_is_called_by_the_submission_check_alone(check):
    assert callers(FORMS_APP, check) == {THE_CHECK}


def test_answers_are_judged_by_their_form_in_the_submission_check_alone():
    assert answer_binders(FORMS_APP) == {THE_CHECK, *ANSWERS_BOUND_ALSO_IN}


A_VIEW_WITH_ITS_OWN_CHECKS = """
from forms_app.capture import spam
from forms_app.capture.answer_form import form_class_for
from forms_app.capture.tokens import form_token_read as read_token


def quick_submit(request, form):
    if spam.rate_limit_exceeded(form=form, client_address="203.0.113.9"):
        return None
    read_token(request.POST["_fs_token"], form_id=form.pk)
    form_class = form_class_for(form)
    return form_class(request.POST).is_valid()
"""


def test_a_view_that_runs_a_check_itself_is_found(tmp_path):
    (tmp_path / "capture").mkdir()
    (tmp_path / "views").mkdir()
    (tmp_path / "capture" / "checks.py").write_text((FORMS_APP / THE_CHECK).read_text())
    (tmp_path / "views" / "quick.py").write_text(A_VIEW_WITH_ITS_OWN_CHECKS)

    assert callers(tmp_path, "rate_limit_exceeded") == {THE_CHECK, "views/quick.py"}
    assert callers(tmp_path, "form_token_read") == {THE_CHECK, "views/quick.py"}
    assert answer_binders(tmp_path) == {THE_CHECK, "views/quick.py"}
