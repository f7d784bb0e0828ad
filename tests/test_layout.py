"""The code's shape: forms_app grouped by area, each area importing only what its docstring says."""

import ast
from pathlib import Path

import pytest

FORMS_APP = Path(__file__).resolve().parents[1] / "forms_app"

# What each area may import from forms_app (besides itself): the rule its docstring states.
ALLOWED_IMPORTS = {
    "capture": {"models", "sales", "scoring_adapter"},
    "workspace": {"models", "capture", "scoring_adapter"},
    "sales": {"models", "permissions", "scoring_adapter"},
    "api": {"models", "permissions", "capture", "sales", "workspace", "scoring_adapter"},
    "demo": {"models", "workspace"},
    "team": {"models", "permissions", "sales"},
}


def forms_app_imports(path: Path) -> set[str]:
    """The forms_app sub-modules a file imports, by their first name (`capture`, `models`…)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        modules = []
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        for module in modules:
            parts = module.split(".")
            if parts[0] == "forms_app" and len(parts) > 1:
                names.add(parts[1])
    return names


def test_forms_app_holds_at_most_twelve_modules_at_its_top():
    top = sorted(path.name for path in FORMS_APP.glob("*.py"))

    assert len(top) <= 12, top


@pytest.mark.parametrize("area", sorted(ALLOWED_IMPORTS))
def test_each_area_says_what_lives_there_and_what_it_may_import(area):
    docstring = ast.get_docstring(ast.parse((FORMS_APP / area / "__init__.py").read_text()))

    assert docstring and "import" in docstring


@pytest.mark.parametrize("area", sorted(ALLOWED_IMPORTS))
def test_each_area_imports_only_what_it_may(area):
    allowed = ALLOWED_IMPORTS[area] | {area}
    offenders = {
        f"{path.relative_to(FORMS_APP)} imports forms_app.{name}"
        for path in (FORMS_APP / area).rglob("*.py")
        for name in forms_app_imports(path) - allowed
    }

    assert offenders == set()


def test_the_scoring_adapter_reads_only_models():
    assert forms_app_imports(FORMS_APP / "scoring_adapter.py") == {"models"}


def test_no_test_module_imports_another_test_module_or_a_conftest():
    tests = Path(__file__).resolve().parent
    offenders = set()
    for path in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                last = node.module.split(".")[-1]
                if node.module.startswith("tests.") and (
                    last.startswith("test_") or last == "conftest"
                ):
                    offenders.add(f"{path.relative_to(tests)} imports {node.module}")

    assert offenders == set()
