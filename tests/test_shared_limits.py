"""Limits hold across web processes: with FORMSCORE_CACHE_URL on Redis, two separate processes
count against one budget. Without it (local memory, `make demo`), each process counts its own.

Needs Redis on 127.0.0.1:6379 (FORMSCORE_TEST_REDIS_URL to point elsewhere); skipped with the
reason when there is none, except where FORMSCORE_TEST_REDIS=required (CI), where it fails.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from forms_app.models import Lead
from tests.helpers.answers import GOOD_ANSWERS
from tests.helpers.submit import send

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("FORMSCORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LIMIT = 20
HITS_PER_PROCESS = 15

# Each process waits for the same moment, then submits to one form from one address.
SUBMITS = """
import json, os, time
from forms_app.capture.spam import rate_limit_exceeded
from forms_app.models import Form
form, start = Form(pk=424242), float(os.environ["START_AT"])
time.sleep(max(0.0, start - time.time()))
hits = int(os.environ["HITS"])
print(json.dumps(sum(not rate_limit_exceeded(form=form, client_address="203.0.113.9")
                     for _ in range(hits))))
"""

# The same, through the token API's throttle of one user (DRF's own throttle reads the history,
# then writes it back: two processes racing both pass, and 27 of 30 got through).
API_CALLS = """
import json, os, time
from django.contrib.auth.models import User
from django.test import RequestFactory
from forms_app.api.throttles import SubmitThrottle
request = RequestFactory().post("/api/v1/forms/demo/leads")
request.user, start = User(pk=424242), float(os.environ["START_AT"])
time.sleep(max(0.0, start - time.time()))
hits = int(os.environ["HITS"])
print(json.dumps(sum(SubmitThrottle().allow_request(request, None) for _ in range(hits))))
"""


@pytest.fixture
def redis_url():
    """A reachable Redis, or a skip (a failure where the run requires it)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        reason = f"no Redis at {REDIS_URL} ({error}): start redis-server to run this test"
        if os.environ.get("FORMSCORE_TEST_REDIS") == "required":
            pytest.fail(f"FORMSCORE_TEST_REDIS=required, but {reason}")
        pytest.skip(reason)
    return REDIS_URL


@pytest.fixture
def key_prefix(redis_url):
    """A prefix of its own per test, and its keys removed afterwards."""
    prefix = f"formscore-test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


def in_two_processes(snippet: str, env: dict[str, str], tmp_path: Path) -> list[int]:
    """Run the snippet in two `manage.py shell` processes at once; what each printed."""
    base = {k: v for k, v in os.environ.items() if k != "FORMSCORE_CACHE_URL"}
    env = {
        **base,
        "FORMSCORE_VAR_DIR": str(tmp_path),
        "FORMSCORE_RATE_LIMIT": str(LIMIT),
        "HITS": str(HITS_PER_PROCESS),
        "START_AT": str(time.time() + 4),
        **env,
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", snippet],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    printed = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        printed.append(json.loads(out.strip().splitlines()[-1]))
    return printed


def test_two_processes_on_redis_share_one_submit_budget(tmp_path, redis_url, key_prefix):
    allowed = in_two_processes(
        SUBMITS,
        {"FORMSCORE_CACHE_URL": redis_url, "FORMSCORE_CACHE_KEY_PREFIX": key_prefix},
        tmp_path,
    )
    assert sum(allowed) == LIMIT, allowed


def test_two_processes_on_redis_share_one_api_budget(tmp_path, redis_url, key_prefix):
    allowed = in_two_processes(
        API_CALLS,
        {
            "FORMSCORE_CACHE_URL": redis_url,
            "FORMSCORE_CACHE_KEY_PREFIX": key_prefix,
            "FORMSCORE_API_SUBMIT_RATE": f"{LIMIT}/minute",
        },
        tmp_path,
    )
    assert sum(allowed) == LIMIT, allowed


def test_without_a_cache_url_each_process_counts_its_own(tmp_path):
    allowed = in_two_processes(SUBMITS, {}, tmp_path)
    assert allowed == [HITS_PER_PROCESS, HITS_PER_PROCESS]


def test_a_cache_that_cannot_be_reached_lets_the_lead_in_and_says_so(
    client, demo_form, settings, caplog
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    response = send(client, "demo", client.get("/f/demo/"), GOOD_ANSWERS)
    assert response.status_code == 302
    assert Lead.objects.count() == 1
    assert "The cache cannot count submits:" in caplog.text
