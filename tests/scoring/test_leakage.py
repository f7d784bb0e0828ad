"""The leakage guard: suspects by name (general CRM patterns) and by data (one column alone)."""

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scoring.leakage import (
    DATA_SUSPECT_AUC,
    NAME_PATTERNS,
    Suspect,
    data_suspects,
    name_suspect,
    suspects_find,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "name",
    [
        "lead_status",
        "Lead Status",
        "leadStatus",
        "Deal Stage",
        "lost reason",
        "owner id",
        "OwnerId",
        "last_activity_date",
        "lead score",
        "Lead Grade",
        "notes",
        "Sales notes",
        "tags",
        "Tags",
        "Lead Quality",
        "Last Activity",
        "Last Notable Activity",
        "Asymmetrique Activity Index",
        "Asymmetrique Activity Score",
        "Asymmetrique Profile Score",
        "assigned_to",
        "date_contacted",
        "next step",
    ],
)
def test_a_crm_field_filled_after_arrival_is_a_suspect_by_name(name):
    reason = name_suspect(name)

    assert reason is not None
    assert reason.startswith("Its name says ")


@pytest.mark.parametrize(
    "name",
    [
        # X Education's form and behaviour columns.
        "Lead Origin",
        "Lead Source",
        "Do Not Email",
        "Do Not Call",
        "TotalVisits",
        "Total Time Spent on Website",
        "Page Views Per Visit",
        "Country",
        "Specialization",
        "What is your current occupation",
        "City",
        "Receive More Updates About Our Courses",
        "Get updates on DM Content",
        "A free copy of Mastering The Interview",
        "What matters most to you in choosing a course",
        "How did you hear about X Education",
        # Olist's marketing-qualified leads.
        "origin",
        "landing_page_id",
        "first_contact_date",
        # Words that merely contain a pattern, and fields forms do ask for.
        "Stagecoach route",
        "hashtag",
        "notable",
        "Last Name",
        "Highest qualification",
        "Reason for contacting us",
        "I agree to be contacted about formscore.",
        "Company size",
    ],
)
def test_an_ordinary_form_field_is_not_a_suspect_by_name(name):
    assert name_suspect(name) is None


def test_the_reason_says_which_pattern_matched_and_why():
    assert name_suspect("Tags") == (f'Its name says "tag": {NAME_PATTERNS["tag"]}.')


def _history(n: int, seed: int = 3) -> tuple[list[int], dict[str, list]]:
    rng = random.Random(seed)
    y = [int(rng.random() < 0.35) for _ in range(n)]
    closed = [
        ("Closed won" if outcome and rng.random() < 0.6 else "Called back")
        if outcome
        else rng.choice(["Not interested", "Ringing", None])
        for outcome in y
    ]
    return y, {
        "Sales remark": closed,
        "Visitor ID": [f"v-{i:05d}" for i in range(n)],
        "Budget": [rng.choice(["Small", "Large", None]) for _ in range(n)],
        "Days to close": [
            f"{rng.uniform(1, 10) if outcome else rng.uniform(9, 40):.1f}" for outcome in y
        ],
        "Employees": [str(rng.randint(1, 500)) for _ in range(n)],
    }


def test_a_column_that_alone_ranks_the_outcome_is_a_suspect_by_data_naming_its_telling_value():
    y, columns = _history(2000)

    suspects = {s.column: s for s in data_suspects(columns, y)}

    remark = suspects["Sales remark"]
    assert remark.how == "data"
    assert remark.roc_auc >= DATA_SUSPECT_AUC
    assert remark.reason.startswith(
        f'"Sales remark" alone ranks the outcome at {remark.roc_auc:.2f} ROC AUC; '
    )
    assert '"Closed won" converts 100 % of ' in remark.reason


def test_an_id_column_with_unique_values_is_not_a_suspect():
    y, columns = _history(2000)

    assert "Visitor ID" not in {s.column for s in data_suspects(columns, y)}


def test_a_numeric_column_is_measured_by_its_value_in_either_direction():
    y, columns = _history(2000)

    suspects = {s.column: s for s in data_suspects(columns, y)}

    # Fewer days to close means converted: the low end ranks, and counts all the same.
    assert suspects["Days to close"].roc_auc >= DATA_SUSPECT_AUC
    assert "converts" not in suspects["Days to close"].reason
    assert "Employees" not in suspects and "Budget" not in suspects


def test_only_the_newer_rows_measure_a_column():
    # A column that tells the outcome on the older rows only learns nothing for the newer ones.
    y = [i % 2 for i in range(1000)]
    copied = [str(outcome) if i < 800 else "same" for i, outcome in enumerate(y)]

    assert data_suspects({"Copied": copied}, y) == []


def test_a_suspect_by_name_and_by_data_is_one_suspect_by_name_with_the_figure():
    y, columns = _history(2000)
    columns["Lead status"] = columns.pop("Sales remark")

    suspects = suspects_find(columns, y)

    status = next(s for s in suspects if s.column == "Lead status")
    assert [s.column for s in suspects].count("Lead status") == 1
    assert status.how == "name"
    assert status.reason.startswith('Its name says "status"')
    assert '"Lead status" alone ranks the outcome at' in status.reason
    assert status.roc_auc >= DATA_SUSPECT_AUC
    assert status.to_dict() == {
        "column": "Lead status",
        "how": "name",
        "reason": status.reason,
        "roc_auc": status.roc_auc,
    }


def test_names_alone_need_no_outcomes():
    suspects = suspects_find({"Lead Quality": [], "Country": []}, None)

    assert suspects == [Suspect("Lead Quality", "name", name_suspect("Lead Quality"))]


def test_too_few_rows_or_one_class_among_the_newer_rows_find_nothing_by_data():
    assert data_suspects({"Tags": ["a", "b"]}, [0, 1]) == []
    assert data_suspects({"Tags": ["a"] * 10}, [1] * 5 + [0] * 5) == []


def test_a_wide_file_is_checked_in_well_under_two_seconds():
    y, columns = _history(9240)
    wide = {f"{name} {i}": values for i in range(8) for name, values in columns.items()}

    started = time.perf_counter()
    data_suspects(wide, y)

    assert time.perf_counter() - started < 2.0


def test_the_guard_imports_neither_django_nor_scikit_learn():
    code = (
        "import sys, scoring.leakage\n"
        "print(','.join(m for m in ('django', 'sklearn', 'pandas') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == ""


def test_every_name_pattern_is_documented():
    docs = (REPO / "docs" / "workspace.md").read_text()
    section = docs.split("## Columns filled in after the lead arrived")[1].split("\n## ")[0]

    assert [p for p in NAME_PATTERNS if f"`{p}`" not in section] == []
