"""Model quality on real data, measured exactly as a user would run the product.

Run from the repository root: ``python -m bench.quality [--data DIR] [--out FILE] [--only NAME]``.

For each shared dataset: split the CSV by its time column into the older 80 % and the newest 20 %,
then in a fresh, empty project state (its own ``FORMSCORE_VAR_DIR`` and SQLite file) run the
product's own commands one after another, as separate processes:

    manage.py import_leads OLDER.csv --form SLUG --create-form --outcome … --order-by …
    manage.py train SLUG                      (the gate decides)
    manage.py train SLUG --activate always
    manage.py score_csv SLUG NEWEST.csv OUT.csv

and the ROC AUC of OUT.csv's probability column on the newest 20 %. Prints a table and writes the
figures as JSON (``bench/results/quality.json``) for the README. Exits 1 when a dataset misses its
target. The data is read from ``../shared/data`` (never copied into the project).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.product import ROOT, fresh_state_env, manage

DEFAULT_DATA = ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class Dataset:
    name: str
    outcome: str
    positive: str
    order_by: str
    target: float | None  # the newest-20 % ROC AUC the product must reach
    exclude: tuple[str, ...] = ()
    low: float | None = None  # with leaking columns offered: the AUC must stay in [low, high]
    high: float | None = None
    accept_suggested_exclusions: bool = False
    reference: str = ""
    extra_import_args: tuple[str, ...] = field(default=())


X_EDUCATION_LEAKS = (
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
    "Last Activity",
    "Last Notable Activity",
)

DATASETS = (
    Dataset(
        name="x_education",
        outcome="Converted",
        positive="1",
        order_by="Lead Number",
        exclude=("Prospect ID", *X_EDUCATION_LEAKS),
        target=0.895,
        reference="one-hot logistic regression 0.897",
    ),
    Dataset(
        name="olist",
        outcome="closed",
        positive="1",
        order_by="first_contact_date",
        exclude=("mql_id",),
        target=0.69,
        reference="logistic regression on origin + landing page 0.694",
    ),
    Dataset(
        name="x_education_all_columns",
        outcome="Converted",
        positive="1",
        order_by="Lead Number",
        exclude=("Prospect ID",),
        target=None,
        low=0.85,
        high=0.93,
        accept_suggested_exclusions=True,
        reference="every column offered; the suggested exclusions accepted",
    ),
)


def _rows(data_dir: Path, dataset: Dataset) -> tuple[list[str], list[list[str]]]:
    if dataset.name.startswith("x_education"):
        with (data_dir / "x_education" / "Leads.csv").open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        return rows[0], rows[1:]
    folder = data_dir / "olist_marketing_funnel"
    with (folder / "olist_closed_deals_dataset.csv").open(newline="", encoding="utf-8") as f:
        closed = {row["mql_id"] for row in csv.DictReader(f)}
    with (folder / "olist_marketing_qualified_leads_dataset.csv").open(
        newline="", encoding="utf-8"
    ) as f:
        rows = list(csv.reader(f))
    header = [*rows[0], "closed"]
    return header, [[*row, "1" if row[0] in closed else "0"] for row in rows[1:]]


def _order_key(value: str):
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


def _split(header, rows, order_by: str, folder: Path) -> tuple[Path, Path, list[int]]:
    """Older 80 % and newest 20 % files (stable sort by the order column); newest outcomes."""
    index = header.index(order_by)
    ordered = sorted(rows, key=lambda row: _order_key(row[index]))
    cut = round(len(ordered) * 0.8)
    older, newest = folder / "older.csv", folder / "newest.csv"
    for path, part in ((older, ordered[:cut]), (newest, ordered[cut:])):
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(part)
    return older, newest, [row for row in ordered[cut:]]


def roc_auc(y: list[int], scores: list[float]) -> float:
    from scoring.metrics import roc_auc as auc

    return auc(y, scores)


def measure(dataset: Dataset, data_dir: Path) -> dict:
    header, rows = _rows(data_dir, dataset)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"quality-{dataset.name}-") as tmp:
        folder = Path(tmp)
        older, newest, newest_rows = _split(header, rows, dataset.order_by, folder)
        env = fresh_state_env(folder)
        manage(["migrate", "--no-input", "--verbosity", "0"], env)
        slug = dataset.name.replace("_", "-")
        import_args = [
            "import_leads",
            str(older),
            "--form",
            slug,
            "--create-form",
            "--outcome",
            dataset.outcome,
            "--positive",
            dataset.positive,
            "--order-by",
            dataset.order_by,
            *dataset.extra_import_args,
        ]
        if dataset.exclude:
            import_args += ["--exclude", ",".join(dataset.exclude)]
        imported = manage(import_args, env).stdout
        gated = manage(["train", slug, "--json"], env).stdout
        forced = manage(["train", slug, "--activate", "always", "--json"], env).stdout
        out = folder / "scored.csv"
        manage(["score_csv", slug, str(newest), str(out)], env)
        with out.open(newline="", encoding="utf-8") as f:
            scored = list(csv.DictReader(f))
    outcome_index = header.index(dataset.outcome)
    y = [1 if row[outcome_index].strip() == dataset.positive else 0 for row in newest_rows]
    probabilities = [float(row["probability"]) for row in scored]
    gate, version = json.loads(gated), json.loads(forced)
    auc = roc_auc(y, probabilities)
    return {
        "dataset": dataset.name,
        "newest_n": len(y),
        "newest_roc_auc": round(auc, 4),
        "target": dataset.target,
        "range": [dataset.low, dataset.high] if dataset.low is not None else None,
        "reference": dataset.reference,
        "algorithm": version["algorithm"],
        "internal_holdout_roc_auc": version["metrics"].get("roc_auc"),
        "candidates": {c["name"]: c["roc_auc"] for c in version["candidates"]},
        "gate": {"activated": gate["activated"], "reason": gate["reason"]},
        "suspects": version["metrics"].get("leakage", {}).get("suspects", []),
        "import": imported.strip().splitlines()[:2],
        "left_out": re.findall(r'^\s*left out "([^"]+)"', imported, flags=re.M),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _met(result: dict) -> bool:
    auc = result["newest_roc_auc"]
    if result["target"] is not None and auc < result["target"]:
        return False
    if result["range"] is not None:
        low, high = result["range"]
        return low <= auc <= high
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "quality.json")
    parser.add_argument("--only", action="append", help="Run only this dataset (repeatable).")
    args = parser.parse_args(argv)
    results = []
    for dataset in DATASETS:
        if args.only and dataset.name not in args.only:
            continue
        result = measure(dataset, args.data)
        results.append(result)
        wanted = (
            f">= {result['target']}"
            if result["target"] is not None
            else f"in [{result['range'][0]}, {result['range'][1]}]"
        )
        print(
            f"{dataset.name:<26} newest-20 % ROC AUC {result['newest_roc_auc']:.3f}"
            f" (wanted {wanted}; {dataset.reference}) {result['algorithm']}"
            f" {'ok' if _met(result) else 'MISSED'} [{result['seconds']} s]"
        )
        print(f"    candidates {result['candidates']}; gate: {result['gate']['reason']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if all(_met(r) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
