"""Training at scale: import, train and export 10,000 and 100,000 generated leads.

Run from the repository root: ``python -m bench.training_scale [--sizes N ...] [--out FILE]``.

The leads come from the engine's synthetic form with planted effects
(``forms_app.demo.engine_dataset.demo_dataset``, one seed for every size), written as a CSV a
CRM would export: choice answers by their labels, numbers with blanks, free text, e-mails,
capture columns (utm_source, referrer, device, …), a creation date and an outcome. For each size,
in a fresh, empty project state (its own ``FORMSCORE_VAR_DIR`` and SQLite file), the product's
own commands run one after another as separate processes (``bench.product``):

    manage.py import_leads LEADS.csv --form SLUG --create-form --outcome Outcome --order-by Created
    manage.py train SLUG --json               (every candidate, calibration, ONNX export, evidence)

Each command's wall time, CPU time (user + system, all its threads) and peak memory (its
process's max RSS) are measured, with the holdout ROC AUC and the algorithm chosen as a check that
training did real work. The target: the total time for the largest size is at most ``MAX_RATIO``
times the smallest's (10x the leads, so roughly linear). It is checked on CPU time: on a machine
shared with other work, wall time measures the neighbours' load as much as ours (the same 10,000
leads took 28 s and 117 s of wall time an hour apart, 34 s of CPU time both times); the wall-time
ratio is reported beside it. Writes ``bench/results/training_scale.json`` and a Markdown table
(``training_scale.md``) for the README; exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.product import ROOT, fresh_state_env, manage
from forms_app.demo.engine_dataset import demo_dataset

SIZES = (10_000, 100_000)
MAX_RATIO = 12.0
SEED = 0
SLUG = "scale"
RESULTS = ROOT / "bench" / "results"

# Column -> how one generated lead fills it (answers by their labels, as an export shows them).
_LABELS = {
    "timeline": {
        "within_1_month": "Within 1 month",
        "1_3_months": "1-3 months",
        "3_6_months": "3-6 months",
        "no_plans": "No plans",
    },
    "role": {"ceo": "CEO", "manager": "Manager", "engineer": "Engineer", "student": "Student"},
}
HEADER = [
    "Created",
    "Timeline",
    "Your role",
    "Company size",
    "Interested in",
    "Newsletter",
    "Company",
    "Work e-mail",
    "Campaign",
    "utm_source",
    "utm_medium",
    "Referrer",
    "Device",
    "Seconds to complete",
    "Page views",
    "Key pages",
    "Outcome",
]


def _csv_row(lead: dict, converted: bool, created: datetime) -> list:
    answers, capture = lead["answers"], lead["capture"]
    size = answers["company_size"]
    return [
        created.isoformat(timespec="seconds"),
        _LABELS["timeline"][answers["timeline"]],
        _LABELS["role"][answers["role"]],
        "" if size is None else size,
        ";".join(answers["interests"]),
        "yes" if answers["newsletter"] else "no",
        answers["company"],
        answers["email"],
        answers["campaign"],
        capture["utm_source"],
        capture["utm_medium"],
        capture["referrer"],
        capture["device"],
        round(capture["seconds_to_complete"], 1),
        capture["page_views"],
        ";".join(capture["key_pages"]),
        "won" if converted else "lost",
    ]


def leads_csv_write(path: Path, n: int, seed: int = SEED) -> None:
    """N generated leads with outcomes as a CSV export (the same seed gives the same leads)."""
    data = demo_dataset(n=n, seed=seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for lead, converted, created in zip(
            data["leads"], data["outcomes"], data["times"], strict=True
        ):
            writer.writerow(_csv_row(lead, converted, created))


def measure(n: int) -> dict:
    """Import and train N generated leads in a fresh project state; times, memory, quality."""
    with tempfile.TemporaryDirectory(prefix=f"training-scale-{n}-") as tmp:
        folder = Path(tmp)
        leads = folder / "leads.csv"
        leads_csv_write(leads, n)
        file_mb = leads.stat().st_size / 1e6
        env = fresh_state_env(folder)
        manage(["migrate", "--no-input", "--verbosity", "0"], env)
        imported = manage(
            [
                "import_leads",
                str(leads),
                "--form",
                SLUG,
                "--create-form",
                "--outcome",
                "Outcome",
                "--positive",
                "won",
                "--order-by",
                "Created",
            ],
            env,
        )
        trained = manage(["train", SLUG, "--json"], env)
    version = json.loads(trained.stdout)
    return {
        "leads": n,
        "file_mb": round(file_mb, 1),
        "import_seconds": round(imported.seconds, 1),
        "train_seconds": round(trained.seconds, 1),
        "total_seconds": round(imported.seconds + trained.seconds, 1),
        "import_cpu_seconds": round(imported.cpu_seconds, 1),
        "train_cpu_seconds": round(trained.cpu_seconds, 1),
        "total_cpu_seconds": round(imported.cpu_seconds + trained.cpu_seconds, 1),
        "import_max_rss_mb": round(imported.max_rss_mb),
        "train_max_rss_mb": round(trained.max_rss_mb),
        "algorithm": version["algorithm"],
        "holdout_roc_auc": version["metrics"].get("roc_auc"),
        "candidates": {
            c["name"]: {"roc_auc": c["roc_auc"], "fit_seconds": c["fit_seconds"]}
            for c in version["candidates"]
        },
        "import": imported.stdout.strip().splitlines()[:3],
    }


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def markdown(summary: dict) -> str:
    """The results as the Markdown table the README quotes."""
    lines = [
        f"Measured {summary['date']} on {summary['machine']} (`make bench-training`);"
        " times are wall time (CPU time).",
        "",
        "| leads | import | train + export | total | peak memory (import / train)"
        " | chosen | holdout ROC AUC |",
        "|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in summary["sizes"]:
        lines.append(
            f"| {r['leads']:,} | {r['import_seconds']} s ({r['import_cpu_seconds']} s)"
            f" | {r['train_seconds']} s ({r['train_cpu_seconds']} s)"
            f" | {r['total_seconds']} s ({r['total_cpu_seconds']} s)"
            f" | {r['import_max_rss_mb']} MB / {r['train_max_rss_mb']} MB"
            f" | {r['algorithm']} | {r['holdout_roc_auc']:.3f} |"
        )
    verdict = "met" if summary["met"] else "MISSED"
    lines += [
        "",
        f"Time ratio {summary['sizes'][-1]['leads']:,} / {summary['sizes'][0]['leads']:,}:"
        f" {summary['cpu_ratio']:.1f} in CPU time (target ≤ {summary['max_ratio']:g}: {verdict}),"
        f" {summary['ratio']:.1f} in wall time.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--out", type=Path, default=RESULTS / "training_scale.json")
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)
    results = []
    for n in sizes:
        result = measure(n)
        results.append(result)
        print(
            f"{n:>8,} leads: import {result['import_seconds']} s"
            f" ({result['import_max_rss_mb']} MB), train + export {result['train_seconds']} s"
            f" ({result['train_max_rss_mb']} MB), total {result['total_seconds']} s"
            f" (CPU {result['total_cpu_seconds']} s);"
            f" {result['algorithm']} holdout ROC AUC {result['holdout_roc_auc']:.3f}",
            flush=True,
        )
    ratio = results[-1]["total_seconds"] / results[0]["total_seconds"]
    cpu_ratio = results[-1]["total_cpu_seconds"] / results[0]["total_cpu_seconds"]
    summary = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "sizes": results,
        "ratio": round(ratio, 2),
        "cpu_ratio": round(cpu_ratio, 2),
        "max_ratio": MAX_RATIO,
        "met": cpu_ratio <= MAX_RATIO,
    }
    print(
        f"time ratio {sizes[-1]:,} / {sizes[0]:,}: {cpu_ratio:.1f} in CPU time"
        f" (target <= {MAX_RATIO:g}), {ratio:.1f} in wall time"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(summary), encoding="utf-8")
    return 0 if summary["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
