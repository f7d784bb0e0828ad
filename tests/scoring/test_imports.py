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
