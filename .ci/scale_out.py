"""The scale-out profile, end to end and bounded: PostgreSQL, Redis, gunicorn with two workers
behind one trusted proxy, two task workers, loopback only.

1. 200 submits of the demo form from 16 concurrent clients, each with a fresh form token aged past
   the minimum fill time (the rate limit raised for the run), while one task worker is killed and
   started again: every lead is stored exactly once, every notification is delivered at least
   once, and each delivery's `webhook-id` is the same on every attempt.
2. At the normal rate limit, 40 concurrent submits from one client address through both web
   workers: exactly the limit passes, the rest get 429 — the budget is shared, not per process.

Run by `.ci/run` once, after the test suites: `.venv/bin/python .ci/scale_out.py`.
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.helpers.answers import GOOD_ANSWERS  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DATABASE = "formscore_scale_out"
SUBMITS, CLIENTS, LIMIT = 200, 16, 20
DEADLINE = 240  # seconds for everything to be delivered


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Receiver:
    """A CRM on loopback: records each webhook delivery's id."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        lock = threading.Lock()
        ids = self.ids

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    ids.append(self.headers.get("webhook-id", ""))
                self.send_response(200)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/crm"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def environment(rate_limit: int, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "FORMSCORE_CACHE_URL": "redis://127.0.0.1:6379/7",
        "FORMSCORE_CACHE_KEY_PREFIX": f"scale-out-{secrets.token_hex(4)}",
        "FORMSCORE_TRUSTED_PROXIES": "1",
        "FORMSCORE_OUTGOING_ALLOW_PRIVATE": "true",
        "FORMSCORE_RATE_LIMIT": str(rate_limit),
        "FORMSCORE_MIN_FILL_SECONDS": "1",
        "FORMSCORE_TASKS": "database",
        "FORMSCORE_VAR_DIR": str(var_dir),
        "SECRET_KEY": "scale-out-check-" + "x" * 40,
    }


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def start(env: dict, *command: str) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def serve(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    web = start(env, GUNICORN, "formscore.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2")
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/f/demo/", timeout=2).read()
            return web, base
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start")


def form_token(base: str, client: str) -> str:
    request = urllib.request.Request(f"{base}/f/demo/", headers={"X-Forwarded-For": client})
    page = urllib.request.urlopen(request, timeout=10).read().decode()
    return re.search(r'name="_fs_token" value="([^"]+)"', page).group(1)


def submit(base: str, token: str, client: str) -> int:
    body = urllib.parse.urlencode({**GOOD_ANSWERS, "_fs_token": token}).encode()
    request = urllib.request.Request(
        f"{base}/f/demo/", data=body, headers={"X-Forwarded-For": client}, method="POST"
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 to the next step is the answer itself


def count(env: dict, expression: str) -> str:
    """What a line of Python printed last, run in a process of the profile."""
    output = manage(env, "shell", "--no-imports", "-c", expression).strip()
    return output.splitlines()[-1] if output else ""


def run_under_load(env: dict, base: str, workers: list[subprocess.Popen]) -> list[int]:
    clients = [f"198.51.100.{n}" for n in range(1, CLIENTS + 1)]
    jobs = [clients[n % CLIENTS] for n in range(SUBMITS)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        tokens = list(pool.map(lambda client: form_token(base, client), jobs))
        time.sleep(1.5)  # the tokens age past the minimum fill time
        futures = [
            pool.submit(submit, base, token, client)
            for token, client in zip(tokens, jobs, strict=True)
        ]
        time.sleep(1.0)
        workers[0].send_signal(signal.SIGKILL)  # a task worker dies mid-run…
        workers[0].wait(10)
        workers[0] = start(env, PYTHON, "manage.py", "db_worker", "--interval", "0.2")  # …and back
        return [future.result() for future in futures]


def main() -> None:
    var_dir = Path(os.environ.get("FORMSCORE_VAR_DIR", ROOT / "var")) / "scale-out"
    var_dir.mkdir(parents=True, exist_ok=True)
    for sql in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    receiver = Receiver()
    env = environment(rate_limit=100_000, var_dir=var_dir)
    manage(env, "migrate", "--no-input")
    demo = ["--leads", "300", "--password", "scale-out-1", "--webhook-url", receiver.url]
    manage(env, "demo", *demo)
    # Every submit notifies the CRM, whatever its score: the check is about delivery.
    count(
        env,
        "from forms_app.models import RoutingRule; "
        "RoutingRule.objects.filter(webhook_endpoint__isnull=False).update(conditions=[])",
    )
    before = int(count(env, "from forms_app.models import Lead; print(Lead.objects.count())"))
    workers = [start(env, PYTHON, "manage.py", "db_worker", "--interval", "0.2") for _ in range(2)]
    web, base = serve(env)
    started = time.monotonic()
    try:
        statuses = run_under_load(env, base, workers)
        print(f"1. {SUBMITS} submits from {CLIENTS} clients: {time.monotonic() - started:.1f} s")
        assert statuses.count(302) == SUBMITS, f"answers: {sorted(set(statuses))}"
        check = (
            "import json; from forms_app.models import Lead, Notification; "
            "from forms_app.sales.signatures import message_id; "
            "leads = Lead.objects.filter(source='form'); "
            "print(json.dumps({'leads': leads.count(), "
            "'tokens': leads.values('submission_token').distinct().count(), "
            "'rows': Notification.objects.filter(endpoint__isnull=False).count(), "
            "'delivered': Notification.objects.filter(endpoint__isnull=False, "
            "status='delivered').count(), "
            "'ids': [message_id(d) for d in Notification.objects.filter(endpoint__isnull=False)"
            ".values_list('delivery_id', flat=True)]}))"
        )
        deadline = time.monotonic() + DEADLINE
        while True:
            state = json.loads(count(env, check))
            if state["delivered"] == state["rows"] or time.monotonic() > deadline:
                break
            time.sleep(2)
        total = int(count(env, "from forms_app.models import Lead; print(Lead.objects.count())"))
        assert state["leads"] == state["tokens"] == SUBMITS == total - before, state
        assert state["rows"] >= SUBMITS and state["delivered"] == state["rows"], state
        received = set(receiver.ids)
        assert received == set(state["ids"]), "a delivery arrived under an id of another"
        print(
            f"   {state['leads']} leads stored once each; {state['delivered']} deliveries, "
            f"{len(receiver.ids)} requests received under {len(received)} stable webhook-ids"
        )
    finally:
        web.terminate()
        web.wait(10)
        for worker in workers:
            worker.terminate()
            worker.wait(10)

    env = environment(rate_limit=LIMIT, var_dir=var_dir)
    web, base = serve(env)
    try:
        client = "203.0.113.7"
        with ThreadPoolExecutor(8) as pool:
            tokens = list(pool.map(lambda _: form_token(base, client), range(2 * LIMIT)))
            time.sleep(1.5)
            statuses = list(pool.map(lambda token: submit(base, token, client), tokens))
        print(
            f"2. {2 * LIMIT} submits from one client at a limit of {LIMIT}: "
            f"{statuses.count(302)} passed, {statuses.count(429)} refused with 429"
        )
        assert statuses.count(302) == LIMIT and statuses.count(429) == LIMIT, statuses
    finally:
        web.terminate()
        web.wait(10)
    print("scale-out profile: OK")


if __name__ == "__main__":
    main()
