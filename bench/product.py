"""Running the product's own commands as a user would: in a fresh, empty project state, each one a
separate process, timed, with the peak memory of that process. Shared by the benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class CommandRun:
    stdout: str
    seconds: float  # wall time of the process
    cpu_seconds: float  # user + system: less disturbed by other processes' load
    max_rss_mb: float  # the process's peak resident memory


def fresh_state_env(folder: Path) -> dict[str, str]:
    """The environment of a fresh project state in ``folder``: its own var dir and SQLite file."""
    return {
        **os.environ,
        "FORMSCORE_VAR_DIR": str(folder / "var"),
        "DATABASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "formscore.settings",
    }


def manage(args: list[str], env: dict[str, str]) -> CommandRun:
    """Run ``manage.py ARGS`` to its end; raises RuntimeError with its output when it fails."""
    # Output goes to files, not pipes: the process is reaped with wait4, which gives this one
    # child's resource usage (RUSAGE_CHILDREN would be the maximum over every child so far).
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=env,
            cwd=ROOT,
            # Never a terminal: import_leads and train ask nothing and take the leakage guard's
            # default (suspects left out), instead of waiting on a question nobody sees.
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            text=True,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{stdout}\n{stderr}")
    # ru_maxrss is in kilobytes on Linux.
    return CommandRun(
        stdout=stdout,
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,
    )
