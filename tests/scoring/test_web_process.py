"""The web process serves ONNX models without importing scikit-learn or pandas."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_loading_every_url_and_view_and_scoring_imports_no_training_library(tmp_path):
    code = """
import sys
import django
django.setup()
from django.urls import get_resolver
from formscore.wsgi import application
get_resolver().url_patterns
import forms_app.views.public, forms_app.capture.submit, forms_app.scoring_adapter, scoring.services
heavy = ("sklearn", "pandas", "skl2onnx", "scipy")
print(",".join(m for m in heavy if m in sys.modules) or "clean")
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "DJANGO_SETTINGS_MODULE": "formscore.settings",
            "FORMSCORE_VAR_DIR": str(tmp_path),
            "PATH": "/usr/bin:/bin",
        },
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
