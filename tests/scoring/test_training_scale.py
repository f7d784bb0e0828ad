"""The training-at-scale benchmark (bench/training_scale.py) end to end, on small sizes: the
generated CSV goes through the product's own import_leads and train in fresh project states, and
the figures land in the JSON and the Markdown table. Heavy: .ci/run runs it once."""

import csv
import json

import pytest

from bench.training_scale import HEADER, leads_csv_write, main

pytestmark = pytest.mark.heavy


def test_the_generated_leads_are_the_same_for_a_seed_and_look_like_an_export(tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    leads_csv_write(first, 200)
    leads_csv_write(second, 200)

    assert first.read_bytes() == second.read_bytes()
    with first.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == HEADER and len(rows) == 200
    assert {row["Outcome"] for row in rows} == {"won", "lost"}
    assert any(row["Company size"] == "" for row in rows)  # numbers with blanks
    assert any(";" in row["Interested in"] for row in rows)  # several choices in one cell
    assert rows[0]["Created"] < rows[-1]["Created"]


def test_the_benchmark_times_import_and_training_and_writes_its_table(tmp_path):
    out = tmp_path / "training_scale.json"

    code = main(["--sizes", "600", "300", "--out", str(out)])

    summary = json.loads(out.read_text())
    small, large = summary["sizes"]
    assert (small["leads"], large["leads"]) == (300, 600)
    assert code == (0 if summary["met"] else 1)
    assert summary["cpu_ratio"] == pytest.approx(
        large["total_cpu_seconds"] / small["total_cpu_seconds"], abs=0.01
    )
    for result in (small, large):
        assert result["import"][0].startswith(f"Imported {result['leads']} of {result['leads']}")
        assert result["import_cpu_seconds"] > 0 and result["train_cpu_seconds"] > 0
        # Each process's own peak, measured (both load scikit-learn: the import screens leaks,
        # so on a few hundred leads neither need be the larger).
        assert result["train_max_rss_mb"] > 30 and result["import_max_rss_mb"] > 30
        assert set(result["candidates"]) == {
            "logistic_regression",
            "random_forest",
            "hist_gradient_boosting",
            "blend",
        }
        assert result["holdout_roc_auc"] > 0.6  # the planted effects, on a holdout of 60 or 120
    table = out.with_suffix(".md").read_text()
    assert "| 300 |" in table and "| 600 |" in table
    assert "in CPU time (target ≤ 12" in table
