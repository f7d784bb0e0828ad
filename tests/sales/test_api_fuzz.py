"""The JSON API fuzzed from its own OpenAPI description (schemathesis), over real HTTP."""

import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_no_request_the_schema_allows_gets_a_5xx_or_an_answer_outside_the_schema(
    live_server, scored_demo_form, marketer, tmp_path
):
    token = Token.objects.create(user=marketer).key
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_server.url}/api/schema/",
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance",
            "--max-examples",
            "25",
            "--seed",
            "1",
            "--request-timeout",
            "10",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    tested = [line for line in result.stdout.splitlines() if "/api/v1/" in line]
    assert len(tested) >= 7, result.stdout[-3000:]  # every operation was exercised
