"""Do the proof pages (performance, what-if, drift) stay fast on a big form? A form with 100,000
leads (the demo's, copied back in time as bench/load_data.py does), its model live for a year;
each page's render time against a plain list page over the same leads (the inbox's first page),
measured in the same run so the machine's speed cancels out. Target: every page within 3x the list.

    python -m bench.pages [--leads 100000] [--runs 7] [--out bench/results]

Writes pages.json and pages.md; exits 1 when a page misses the target.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.product import ROOT, fresh_state_env, manage

TARGET_RATIO = 3.0
BASELINE = ("Inbox, first page (baseline)", "/app/inbox/")
PAGES = [
    ("Performance, 90 days", "/app/forms/demo/performance/"),
    ("Performance, 12 months", "/app/forms/demo/performance/?days=365"),
    ("Thresholds with a what-if", "/app/forms/demo/scoring/?what_if=65"),
    ("Dual track CSV", "/app/forms/demo/performance/dual-track.csv"),
    ("Per-rep outcomes CSV", "/app/forms/demo/performance/reps.csv?days=365"),
    ("Models, with this week's drift", "/app/forms/demo/models/"),
    ("Drift CSV", "/app/forms/demo/models/drift.csv"),
]


def _prepare(folder: Path, leads: int) -> dict[str, str]:
    """A fresh project state with the demo (trained model, reps) topped up to ``leads``."""
    env = fresh_state_env(folder)
    manage(["migrate", "--no-input", "--verbosity", "0"], env)
    manage(["demo", "--password", "bench-pages-pw-1", "--leads", str(min(leads, 3000))], env)
    return env


def _measure(leads: int, runs: int) -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client
    from django.utils import timezone

    from bench.load_data import history
    from scoring.models import ModelVersion

    added = history(leads)
    # The model went live a year ago: the dual track covers its longest period.
    ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).update(
        activated_at=timezone.now() - timedelta(days=365)
    )
    User.objects.create_superuser("bench-pages", password="bench-pages-pw-1")
    client = Client(HTTP_HOST="localhost")  # one of the default ALLOWED_HOSTS
    client.force_login(User.objects.get(username="bench-pages"))

    def once(path: str) -> float:
        started = time.perf_counter()
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        return time.perf_counter() - started

    paths = [BASELINE[1]] + [path for _, path in PAGES]
    for path in paths:
        once(path)  # warm: templates, caches, the database's pages
    # Interleaved, round after round: a busy moment of a shared machine slows the baseline and
    # the pages alike instead of one of them.
    seconds: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(runs):
        for path in paths:
            seconds[path].append(once(path))
    baseline = statistics.median(seconds[BASELINE[1]])
    pages = []
    for label, path in PAGES:
        median = statistics.median(seconds[path])
        ratio = median / baseline
        pages.append(
            {
                "page": label,
                "path": path,
                "median_ms": round(median * 1000, 1),
                "ratio": round(ratio, 2),
                "met": ratio <= TARGET_RATIO,
            }
        )
    return {
        "leads": added["leads"],
        "runs": runs,
        "target_ratio": TARGET_RATIO,
        "baseline": {
            "page": BASELINE[0],
            "path": BASELINE[1],
            "median_ms": round(baseline * 1000, 1),
        },
        "pages": pages,
        "met": all(page["met"] for page in pages),
    }


def markdown(result: dict) -> str:
    lines = [
        f"# Proof pages on {result['leads']:,} leads",
        "",
        f"Median of {result['runs']} renders each, against {result['baseline']['page']}"
        f" ({result['baseline']['median_ms']} ms) in the same run;"
        f" target ≤ {result['target_ratio']}×.",
        "",
        "| Page | Median | × baseline | Target |",
        "|---|---:|---:|---|",
    ]
    for page in result["pages"]:
        lines.append(
            f"| {page['page']} | {page['median_ms']} ms | {page['ratio']}× |"
            f" {'met' if page['met'] else '**missed**'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        env = _prepare(Path(folder), args.leads)
        os.environ.update(env)
        result = _measure(args.leads, args.runs)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pages.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "pages.md").write_text(markdown(result))
    print(markdown(result))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
