import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_web_side_modules_do_not_import_sklearn_or_pandas():
    code = (
        "import sys\n"
        "import scoring.runtime, scoring.features, scoring.points, scoring.metrics\n"
        "heavy = ('sklearn', 'pandas', 'skl2onnx', 'scipy')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == ""


FORMS_APP_IMPORT = re.compile(r"^\s*(from|import)\s+forms_app\b", re.MULTILINE)


def test_no_module_under_scoring_imports_forms_app_at_any_indentation():
    offenders = [
        f"{path.relative_to(REPO)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in sorted((REPO / "scoring").rglob("*.py"))
        for text in [path.read_text()]
        for match in FORMS_APP_IMPORT.finditer(text)
    ]

    assert offenders == []


def test_the_guard_catches_an_indented_import():
    source = "def f():\n    from forms_app.models import Form\n"

    assert FORMS_APP_IMPORT.search(source)
