"""The public submit under load, against a bare insert in the same server (issue #16).

Run from the repository root: ``python -m bench.load [--database-url URL] [--seconds N] …``.

In a fresh temporary ``FORMSCORE_VAR_DIR`` (SQLite), or a database it creates and drops on the
PostgreSQL server that ``--database-url`` / ``DATABASE_URL`` points at: ``manage.py migrate``,
``manage.py demo`` (the demo form, its trained and active model, reps and routing rules), then
the reps are given room for every lead (``bench.load_data prepare``). gunicorn serves the product
with ``bench.load_settings`` (2 sync workers on 127.0.0.1; the rate limit out of reach; one extra
view, ``POST /bench/bare/<slug>/``, that validates the same runtime answer form and inserts one
``Lead``). wrk (2 threads, 8 connections) then runs, interleaved, bare, full, bare, full, bare,
full:

* full: ``POST /f/demo/`` as htmx sends it from the form page (validate, store, score, explain,
  route, outbox, and the next step rendered in the answer, 200);
* bare: ``POST /bench/bare/demo/`` (302).

Every request carries its own form token, issued before the server starts and older than the
minimum fill time when sent (a reused token takes the cheap replay path). A run stops when its
tokens are used up or after ``--seconds``. After each run the database is counted: every request
sent must have stored exactly one lead and, on the full path, every lead must be assigned to a rep
by the round-robin rule; otherwise the run is a failure, not a figure.

A copy of the prepared database has its stored leads topped up to ``--history`` (200,000:
assigned to the reps, mixed statuses) and its own server; the runs alternate between the two
(small bare, small full, large bare, large full, three times), so a burst of other work on the
machine hits every series alike. Each run also records the workers' CPU time per request (from
/proc: far less sensitive to other work on the machine than requests per second). Then each
worker's resident memory and whether scikit-learn or
pandas is mapped into it. Writes ``bench/results/load.json`` (or
``load-postgresql.json``) and a Markdown table beside it; exits 1 listing each missed target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GUNICORN = Path(sys.executable).parent / "gunicorn"
FORM_SLUG = "demo"
THREADS, CONNECTIONS, WORKERS = 2, 8, 2
RUNS = 3  # of each path per database, interleaved; the median is reported
WARM_UP_SECONDS = 2
# wrk 4 calls the first thread's request() once before any connection opens, to check it: that
# body is used up (never sent twice) but never sent.
WRK_VERIFY_CALLS = 1
# Requests in flight when wrk stops are still answered: how long to wait for their leads.
SETTLE_SECONDS = 20

MIN_THROUGHPUT_RATIO = 0.6  # full / bare requests per second
STRETCH_THROUGHPUT_RATIO = 0.85  # reported, not enforced
MAX_P99_RATIO = 2.0  # full p99 / bare p99
MAX_HISTORY_CHANGE = 0.10  # full throughput with the large history against the small one
MAX_WORKER_RSS_MB = 100.0
FORBIDDEN_IN_WORKERS = ("sklearn", "pandas")


@dataclass(frozen=True)
class RequestPath:
    """One of the two request paths a run loads."""

    name: str
    url: str
    expected_status: int
    htmx: bool


FULL = RequestPath("full submit", f"/f/{FORM_SLUG}/", 200, htmx=True)
BARE = RequestPath("bare insert", f"/bench/bare/{FORM_SLUG}/", 302, htmx=False)

# Each thread sends its own lines of the bodies file, one per request, and stops when they are
# used up; every response is counted by status. done() prints one line of JSON.
WRK_SCRIPT = """\
local bodies_path, thread_count = %(bodies)s, %(threads)d
local threads, started = {}, 0

function setup(thread)
  thread:set("index", started)
  started = started + 1
  table.insert(threads, thread)
end

function init(args)
  bodies, issued, exhausted, statuses = {}, 0, 0, {}
  local n = 0
  for line in io.lines(bodies_path) do
    if n %% thread_count == index then bodies[#bodies + 1] = line end
    n = n + 1
  end
  headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  %(htmx)s
end

function request()
  if issued >= #bodies then
    -- A token is never sent twice; a request past the end is counted as an error.
    exhausted = exhausted + 1
    return wrk.format("GET", "/bench/tokens-used-up/")
  end
  issued = issued + 1
  return wrk.format("POST", nil, headers, bodies[issued])
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if issued >= #bodies then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local issued_all, exhausted_all, counted = 0, 0, {}
  for _, thread in ipairs(threads) do
    issued_all = issued_all + thread:get("issued")
    exhausted_all = exhausted_all + thread:get("exhausted")
    for status, count in pairs(thread:get("statuses")) do
      counted[status] = (counted[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counted) do
    parts[#parts + 1] = string.format('"%%s": %%d', status, count)
  end
  local e = summary.errors
  io.write(string.format(
    '{"issued": %%d, "exhausted": %%d, "responses": %%d, "duration_us": %%d, ' ..
    '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"socket_errors": {"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d}, ' ..
    '"statuses": {%%s}}\\n',
    issued_all, exhausted_all, summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, table.concat(parts, ", ")))
end
"""


class BenchmarkError(RuntimeError):
    """The benchmark could not measure: a command failed, the server did not start."""


def log_tail(log: Path, lines: int = 40) -> str:
    """The end of a log of the temporary folder, which is gone once the benchmark exits."""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def machine() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.partition(":")[2].strip()
            break
    return {
        "cores": os.cpu_count(),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def environment(var_dir: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "FORMSCORE_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "SECRET_KEY": "bench-load-" + secrets.token_urlsafe(40),
        "FORMSCORE_CACHE_URL": "",
        "FORMSCORE_TASKS": "database",
        "LOG_LEVEL": "WARNING",
    }


def run_python(env: dict, *args: str, timeout: float = 300) -> str:
    completed = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise BenchmarkError(
            f"{' '.join(args)} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}"
        )
    return completed.stdout


class DataHelper:
    """bench.load_data in a process of the benchmark's settings, asked one command at a time."""

    def __init__(self, env: dict, log: Path) -> None:
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.load_data"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )

    def ask(self, command: str, **arguments) -> dict:
        self.process.stdin.write(json.dumps({"command": command, **arguments}) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            self._log.flush()
            raise BenchmarkError(
                f"bench.load_data stopped on {command}:\n{log_tail(Path(self._log.name))}"
            )
        return json.loads(answer)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(30)
        self._log.close()


class Postgres:
    """The benchmark's own databases on the server the URL names: created, dropped after."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.url, self.name = url, parts.path.lstrip("/")
        if not self.name or self.name in ("postgres", "template0", "template1"):
            raise BenchmarkError(f"--database-url must name a database of its own: {self.name!r}")
        self.large_url = parts._replace(path=f"/{self.name}_large").geturl()
        self._psql = [
            "psql",
            *("-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)),
            *("-U", parts.username or "postgres", "-d", "postgres", "-qc"),
        ]
        self._env = {**os.environ, "PGPASSWORD": parts.password or ""}

    def sql(self, statement: str) -> None:
        subprocess.run(
            [*self._psql, statement], check=True, env=self._env, capture_output=True, timeout=120
        )

    def __enter__(self) -> Postgres:
        self.__exit__()
        self.sql(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc_info) -> None:
        for name in (self.name, f"{self.name}_large"):
            self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def copy(self) -> None:
        """The large-history database, a copy of the prepared one (nobody connected to it)."""
        self.sql(f'CREATE DATABASE "{self.name}_large" TEMPLATE "{self.name}"')


def sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database in WAL mode (the backup API reads the WAL too)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)


class Server:
    """gunicorn serving the product with the benchmark's settings on a free loopback port."""

    def __init__(self, env: dict, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "formscore.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=self._log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/embed.js", timeout=5).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.3)
        self.stop()
        raise BenchmarkError(f"gunicorn did not start:\n{log_tail(log)}")

    def workers(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def cpu_seconds(self) -> float:
        """CPU time (user and system) its workers have used so far: far less sensitive than
        requests per second to other work on the machine."""
        total = 0
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


def worker_memory(pid: int) -> dict:
    """A worker's resident memory and which of the forbidden libraries are mapped into it (their
    compiled extensions show in /proc/PID/maps as soon as either is imported)."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:")
    maps = Path(f"/proc/{pid}/maps").read_text()
    loaded = [name for name in FORBIDDEN_IN_WORKERS if f"/{name}/" in maps]
    return {"pid": pid, "rss_mb": round(rss_kb / 1024, 1), "loaded": loaded}


def wrk_run(server: Server, path: RequestPath, bodies: Path, seconds: float, folder: Path) -> dict:
    script = folder / f"{bodies.stem}.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "bodies": json.dumps(str(bodies)),
            "threads": THREADS,
            "htmx": 'headers["HX-Request"] = "true"' if path.htmx else "",
        }
    )
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"{server.base}{path.url}",
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        raise BenchmarkError(f"wrk failed:\n{completed.stdout}\n{completed.stderr}")
    measured = json.loads(lines[-1])
    ok = measured["statuses"].get(str(path.expected_status), 0)
    socket_errors = sum(measured["socket_errors"].values())
    duration = measured["duration_us"] / 1e6
    return {
        "path": path.name,
        "requests": measured["issued"] - WRK_VERIFY_CALLS,
        "responses": measured["responses"],
        "seconds": round(duration, 2),
        "requests_per_second": round(measured["responses"] / duration, 1),
        "p50_ms": round(measured["p50_us"] / 1000, 1),
        "p90_ms": round(measured["p90_us"] / 1000, 1),
        "p99_ms": round(measured["p99_us"] / 1000, 1),
        "max_ms": round(measured["max_us"] / 1000, 1),
        "statuses": measured["statuses"],
        "errors": measured["responses"] - ok + socket_errors + measured["exhausted"],
    }


def run_checked(
    data: DataHelper, server: Server, path: RequestPath, bodies: Path, seconds: float, before: int
) -> dict:
    """One wrk run, then the database: one lead per request sent (the leads after the primary
    key `before`), each routed round-robin on the full path."""
    cpu_before = server.cpu_seconds()
    run = wrk_run(server, path, bodies, seconds, bodies.parent)
    sent = run["requests"]
    settled = time.monotonic() + SETTLE_SECONDS
    while True:
        time.sleep(1)
        stored = data.ask("tally", after=before)
        if stored["submitted"] + stored["bare"] >= sent or time.monotonic() > settled:
            break
    run["stored"] = stored
    # Once every lead is stored the workers are idle: all their CPU time since went to this run.
    cpu_ms = (server.cpu_seconds() - cpu_before) * 1000
    run["worker_cpu_ms_per_request"] = round(cpu_ms / sent, 2) if sent else None
    if path is FULL:
        problems = [
            f"{what} {stored[key]}"
            for what, key in (
                ("leads stored", "submitted"),
                ("assigned", "assigned"),
                ("routed round-robin", "round_robin"),
            )
            if stored[key] != sent
        ]
        if stored["bare"]:
            problems.append(f"{stored['bare']} leads without a token")
        per_rep = list(stored["per_rep"].values())
        if per_rep and max(per_rep) - min(per_rep) > 1:
            problems.append(f"not round-robin: {stored['per_rep']}")
    else:
        problems = [f"leads stored {stored['bare']}"] if stored["bare"] != sent else []
        if stored["submitted"]:
            problems.append(f"{stored['submitted']} leads with a token")
    run["verified"] = not problems
    if problems:
        run["problems"] = f"{sent} requests sent: " + "; ".join(problems)
    return run


def token_files(data: DataHelper, folder: Path, per_run: dict[str, int]) -> dict:
    """One bodies file per run (named by the run, with its number of lines), each line a request
    with its own fresh token; all issued now."""
    pool = folder / "bodies.txt"
    issued = data.ask("tokens", count=sum(per_run.values()), out=str(pool))
    lines = pool.read_text().splitlines(keepends=True)
    start = 0
    for name in per_run:
        (folder / f"{name}.txt").write_text("".join(lines[start : start + per_run[name]]))
        start += per_run[name]
    pool.unlink()
    return issued


class Instance:
    """One database with its own server and helper: the small history or the large one."""

    def __init__(self, label: str, env: dict, folder: Path) -> None:
        self.label, self.env, self.folder = label, env, folder
        folder.mkdir(parents=True, exist_ok=True)
        self.data = DataHelper(env, folder / "load_data.log")
        self.server: Server | None = None
        self.runs: list[dict] = []

    def start(self, args) -> None:
        """Issue every run's tokens, then start the server."""
        self.schedule = [("warm-bare", BARE, WARM_UP_SECONDS), ("warm-full", FULL, WARM_UP_SECONDS)]
        for n in range(1, RUNS + 1):
            self.schedule += [(f"bare-{n}", BARE, args.seconds), (f"full-{n}", FULL, args.seconds)]
        per_run = {name: int(args.max_rate * seconds) for name, _, seconds in self.schedule}
        self.issued = token_files(self.data, self.folder, per_run)
        self.last_pk = self.issued["last_pk"]
        self.server = Server(self.env, self.folder / "gunicorn.log")

    def tokens_aged_at(self) -> float:
        # Tokens younger than the minimum fill time would be refused as too fast.
        return self.issued["issued_at"] + self.issued["min_fill_seconds"] + 0.5

    def run(self, index: int) -> None:
        name, path, seconds = self.schedule[index]
        bodies = self.folder / f"{name}.txt"
        run = run_checked(self.data, self.server, path, bodies, seconds, self.last_pk)
        self.last_pk = run["stored"]["last_pk"]
        run["name"] = name
        self.runs.append(run)
        print(
            f"  {self.label:>15} {name:<9} {run['requests_per_second']:>8.1f} req/s  "
            f"p50 {run['p50_ms']:>6.1f} ms  p99 {run['p99_ms']:>6.1f} ms  "
            f"errors {run['errors']}  {'verified' if run['verified'] else run['problems']}",
            flush=True,
        )

    def result(self) -> dict:
        """The medians of the measured runs, and the workers after them."""
        workers = [worker_memory(pid) for pid in self.server.workers()]
        measured = [run for run in self.runs if not run["name"].startswith("warm")]
        failed = any(run["errors"] or not run["verified"] for run in self.runs)
        return {
            "stored_leads_before": self.issued["leads"],
            "runs": self.runs,
            "median": {
                path.name: {
                    key: statistics.median(r[key] for r in measured if r["path"] == path.name)
                    for key in (
                        "requests_per_second",
                        "p50_ms",
                        "p99_ms",
                        "worker_cpu_ms_per_request",
                    )
                }
                for path in (BARE, FULL)
            },
            "workers": workers,
            # What the server said when a run went wrong (the temporary folder is deleted).
            "server_log_tail": log_tail(self.folder / "gunicorn.log") if failed else "",
        }

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.data.close()


def measure(small: Instance, large: Instance, args) -> dict[str, dict]:
    """Both servers up; warm-up, then bare and full on the small history, bare and full on the
    large one, RUNS times: a burst of other work on the machine hits every series alike."""
    small.start(args)
    large.start(args)
    time.sleep(max(0.0, max(small.tokens_aged_at(), large.tokens_aged_at()) - time.time()))
    for index in range(len(small.schedule)):
        small.run(index)
        large.run(index)
    return {"small": small.result(), "large": large.result()}


def targets(phases: dict[str, dict]) -> list[dict]:
    small, large = phases["small"], phases["large"]
    bare, full = small["median"][BARE.name], small["median"][FULL.name]
    throughput = full["requests_per_second"] / bare["requests_per_second"]
    p99 = full["p99_ms"] / bare["p99_ms"]
    large_full = large["median"][FULL.name]
    history = large_full["requests_per_second"] / full["requests_per_second"] - 1
    cpu_history = large_full["worker_cpu_ms_per_request"] / full["worker_cpu_ms_per_request"] - 1
    all_runs = [run for p in phases.values() for run in p["runs"]]
    errors = sum(run["errors"] for run in all_runs)
    unverified = [f"{run['name']}: {run['problems']}" for run in all_runs if not run["verified"]]
    workers = [w for p in phases.values() for w in p["workers"]]
    rss = max(w["rss_mb"] for w in workers)
    loaded = sorted({name for w in workers for name in w["loaded"]})
    return [
        {
            "target": "full / bare throughput",
            "wanted": f">= {MIN_THROUGHPUT_RATIO} (stretch {STRETCH_THROUGHPUT_RATIO})",
            "measured": round(throughput, 3),
            "met": throughput >= MIN_THROUGHPUT_RATIO,
        },
        {
            "target": "full / bare p99",
            "wanted": f"<= {MAX_P99_RATIO}",
            "measured": round(p99, 2),
            "met": p99 <= MAX_P99_RATIO,
        },
        {
            "target": "errors (any status but the expected one, socket errors)",
            "wanted": "0",
            "measured": errors,
            "met": errors == 0,
        },
        {
            "target": "every request stored one lead; every full submit routed round-robin",
            "wanted": "all runs",
            "measured": "all runs"
            if not unverified
            else f"{len(unverified)} of {len(all_runs)} runs failed, e.g. {unverified[0]}",
            "met": not unverified,
        },
        {
            "target": "full throughput, large history against small",
            "wanted": f"within ±{MAX_HISTORY_CHANGE:.0%}",
            "measured": f"{history:+.1%}",
            "met": abs(history) <= MAX_HISTORY_CHANGE,
        },
        {
            # The target is the throughput above; this is the same question asked of the
            # CPU each submit costs, which a busy machine distorts less. Reported, not enforced.
            "target": "full submit's worker CPU per request, large history against small",
            "wanted": f"within ±{MAX_HISTORY_CHANGE:.0%} (reported, not enforced)",
            "measured": f"{cpu_history:+.1%}",
            "met": abs(cpu_history) <= MAX_HISTORY_CHANGE,
            "enforced": False,
        },
        {
            "target": "web worker resident memory after warm-up",
            "wanted": f"<= {MAX_WORKER_RSS_MB:g} MB",
            "measured": f"{rss:g} MB",
            "met": rss <= MAX_WORKER_RSS_MB,
        },
        {
            "target": "scikit-learn or pandas in a web worker",
            "wanted": "neither",
            "measured": ", ".join(loaded) or "neither",
            "met": not loaded,
        },
    ]


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"`make bench-load` on {result['database']}, {result['date'][:10]}: {m['cores']} cores "
        f"({m['cpu']}), gunicorn {WORKERS} sync workers, wrk {THREADS} threads / "
        f"{CONNECTIONS} connections on 127.0.0.1, a fresh form token per request; median of "
        f"{RUNS} interleaved runs of {result['settings']['seconds']:g} s; load average "
        f"{m['load_average_at_start'][0]:g} at the start, {m['load_average_at_end'][0]:g} at "
        "the end (other work on the machine slows both paths). Worker CPU: the gunicorn "
        "workers' user and system time per request sent, far less sensitive to other work"
        + (
            " (the database server's own processes not included)."
            if result["database"] == "PostgreSQL"
            else "."
        ),
        "",
        "| Stored leads | Path | Requests/s | p50 ms | p99 ms | Worker CPU ms/request | "
        "Worker RSS |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for phase_result in result["phases"].values():
        rss = ", ".join(f"{w['rss_mb']:g} MB" for w in phase_result["workers"])
        for path in (BARE, FULL):
            median = phase_result["median"][path.name]
            lines.append(
                f"| {phase_result['stored_leads_before']:,} | {path.name} | "
                f"{median['requests_per_second']:,.1f} | {median['p50_ms']:.1f} | "
                f"{median['p99_ms']:.1f} | {median['worker_cpu_ms_per_request']:.1f} | "
                f"{rss if path is FULL else ''} |"
            )
    lines += ["", "| Target | Wanted | Measured | Met |", "|---|---|---|---|"]
    for target in result["targets"]:
        lines.append(
            f"| {target['target']} | {target['wanted']} | {target['measured']} | "
            f"{'yes' if target['met'] else '**no**' if target.get('enforced', True) else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="A PostgreSQL URL naming a database the benchmark creates and drops "
        "(default: DATABASE_URL; empty: SQLite in a temporary folder).",
    )
    parser.add_argument("--seconds", type=float, default=8, help="Upper bound of each run.")
    parser.add_argument(
        "--max-rate",
        type=int,
        default=1500,
        help="Tokens issued per second of run: a run ends early when they are used up.",
    )
    parser.add_argument("--demo-leads", type=int, default=3000)
    parser.add_argument("--history", type=int, default=200_000)
    parser.add_argument("--out", type=Path, help="JSON file (default: bench/results/load.json).")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    postgres = args.database_url.startswith(("postgres://", "postgresql://"))
    if args.database_url and not postgres:
        print("--database-url must be a postgres:// URL (or empty for SQLite)", file=sys.stderr)
        return 2
    out = args.out or RESULTS / ("load-postgresql.json" if postgres else "load.json")
    started = time.monotonic()
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "PostgreSQL" if postgres else "SQLite",
        "machine": machine(),
        "settings": {
            "seconds": args.seconds,
            "max_rate": args.max_rate,
            "runs": RUNS,
            "threads": THREADS,
            "connections": CONNECTIONS,
            "workers": WORKERS,
        },
    }
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        folder = Path(tmp)
        env = environment(folder / "var", args.database_url)
        with Postgres(args.database_url) if postgres else nullcontext() as pg:
            password = secrets.token_urlsafe(12)
            run_python(env, "manage.py", "migrate", "--no-input", "--verbosity", "0")
            run_python(
                env, "manage.py", "demo", "--leads", str(args.demo_leads), "--password", password
            )
            if pg is not None:
                pg.copy()
                large_env = {**env, "DATABASE_URL": pg.large_url}
            else:
                large_var = folder / "var-large"
                sqlite_copy(folder / "var" / "formscore.sqlite3", large_var / "formscore.sqlite3")
                large_env = {**env, "FORMSCORE_VAR_DIR": str(large_var)}
            small = Instance(f"{args.demo_leads:,} leads", env, folder / "small")
            large = Instance(f"{args.history:,} leads", large_env, folder / "large")
            try:
                result["prepared"] = small.data.ask("prepare")
                large.data.ask("prepare")
                print(f"{result['database']}: {result['prepared']}", flush=True)
                result["history"] = large.data.ask("history", total=args.history)
                print(f"  history: {result['history']}", flush=True)
                phases = measure(small, large, args)
            finally:
                small.close()
                large.close()
    result["phases"] = phases
    result["targets"] = targets(phases)
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.monotonic() - started, 1)
    missed = [t for t in result["targets"] if not t["met"] and t.get("enforced", True)]
    result["passed"] = not missed
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    for target in missed:
        print(f"MISSED: {target['target']}: {target['measured']} (wanted {target['wanted']})")
    print(f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}, {result['seconds']} s")
    return 1 if missed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchmarkError as error:
        sys.exit(f"bench.load could not measure: {error}")
