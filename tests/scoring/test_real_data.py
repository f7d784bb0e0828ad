"""The engine on real public lead data (read from shared/, never copied into the repo)."""

import csv
import os
from pathlib import Path

import pytest

from bench.quality import X_EDUCATION_LEAKS
from scoring.features import QuestionInput
from scoring.training import train
from tests.helpers.training import ENGINE_MINIMUM

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("FORMSCORE_SHARED_DATA", REPO.parent / "shared" / "data"))
X_EDUCATION = SHARED_DATA / "x_education" / "Leads.csv"
OLIST = SHARED_DATA / "olist_marketing_funnel"

# Form answers and behaviour; leaky post-contact columns (Tags, Lead Quality, Lead Profile, the
# Asymmetrique scores, Last Activity, Last Notable Activity) are deliberately absent.
X_CHOICES = [
    "Country",
    "Specialization",
    "How did you hear about X Education",
    "What is your current occupation",
    "What matters most to you in choosing a course",
    "City",
]
X_YES_NO = [
    "Do Not Email",
    "Do Not Call",
    "Search",
    "Magazine",
    "Newspaper Article",
    "X Education Forums",
    "Newspaper",
    "Digital Advertisement",
    "Through Recommendations",
    "Receive More Updates About Our Courses",
    "Update me on Supply Chain Content",
    "Get updates on DM Content",
    "I agree to pay the amount through cheque",
    "A free copy of Mastering The Interview",
]
X_LEAKY = set(X_EDUCATION_LEAKS)  # the columns a quality claim must leave out
# A marketer's points system, for the comparison the product shows.
X_POINTS = [
    {"source": "answer", "key": "what_is_your_current_occupation", "operator": "equals",
     "value": "Working Professional", "points": 30},
    {"source": "answer", "key": "lead_origin", "operator": "equals", "value": "Lead Add Form",
     "points": 30},
    {"source": "answer", "key": "time_on_site", "operator": "gte", "value": 500, "points": 20},
    {"source": "capture", "key": "utm_source", "operator": "equals", "value": "Reference",
     "points": 20},
    {"source": "capture", "key": "sessions", "operator": "gte", "value": 3, "points": 10},
    {"source": "answer", "key": "do_not_email", "operator": "equals", "value": True,
     "points": -20},
]  # fmt: skip


def _key(column: str) -> str:
    return column.lower().replace(" ", "_")


def _clean(value: str) -> str | None:
    value = value.strip()
    return None if value in ("", "Select") else value  # "Select" is the unselected default


def x_education_form(rows: list[dict]) -> tuple[list[QuestionInput], list[dict]]:
    """The CSV as a form: answers, hidden Lead Origin, Lead Source as UTM source, visits."""
    questions = [
        QuestionInput(
            _key(c),
            c,
            "dropdown",
            tuple((v, v) for v in sorted({_clean(r[c]) for r in rows} - {None})),
        )
        for c in X_CHOICES
    ]
    questions.append(QuestionInput("lead_origin", "Lead Origin", "hidden"))
    questions += [QuestionInput(_key(c), c, "consent") for c in X_YES_NO]
    questions.append(QuestionInput("time_on_site", "Total Time Spent on Website", "number"))
    assert not X_LEAKY & {q.label for q in questions}
    leads = []
    for r in rows:
        answers = {_key(c): _clean(r[c]) for c in X_CHOICES}
        answers |= {_key(c): r[c] == "Yes" for c in X_YES_NO}
        answers["lead_origin"] = _clean(r["Lead Origin"])
        answers["time_on_site"] = _clean(r["Total Time Spent on Website"])
        capture = {
            "utm_source": _clean(r["Lead Source"]),
            "sessions": _clean(r["TotalVisits"]),
            "page_views": _clean(r["Page Views Per Visit"]),
        }
        leads.append({"answers": answers, "capture": capture})
    return questions, leads


@pytest.mark.slow
def test_x_education_reaches_the_reference_auc_on_the_newest_fifth():
    if not X_EDUCATION.exists():
        pytest.skip(f"x_education data not found at {X_EDUCATION} (set FORMSCORE_SHARED_DATA)")
    with X_EDUCATION.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    questions, leads = x_education_form(rows)

    result = train(
        **ENGINE_MINIMUM,
        spec_questions=questions,
        leads=leads,
        outcomes=[r["Converted"] == "1" for r in rows],
        times=[int(r["Lead Number"]) for r in rows],
        points_rules=X_POINTS,
    )

    print({c["name"]: c["roc_auc"] for c in result.candidates}, result.metrics)
    assert result.counts["holdout_n"] == 1848
    assert result.metrics["roc_auc"] >= 0.87
    assert result.metrics["roc_auc"] > result.metrics["points_roc_auc"]
    assert result.metrics["lift_top_20"] > 2.0
    assert result.parity <= 1e-4


@pytest.mark.slow
def test_olist_weak_signal_and_rare_landing_pages_still_train():
    mql_path = OLIST / "olist_marketing_qualified_leads_dataset.csv"
    if not mql_path.exists():
        pytest.skip(f"olist data not found at {OLIST} (set FORMSCORE_SHARED_DATA)")
    with mql_path.open(encoding="utf-8") as f:
        mqls = list(csv.DictReader(f))
    with (OLIST / "olist_closed_deals_dataset.csv").open(encoding="utf-8") as f:
        won = {r["mql_id"] for r in csv.DictReader(f)}  # only membership: no deal column

    result = train(
        **ENGINE_MINIMUM,
        spec_questions=[
            QuestionInput("landing_page", "Landing page", "hidden"),
            QuestionInput("origin", "Origin", "hidden"),
        ],
        leads=[
            {"answers": {"landing_page": r["landing_page_id"], "origin": r["origin"]}} for r in mqls
        ],
        outcomes=[r["mql_id"] in won for r in mqls],
        times=[r["first_contact_date"] for r in mqls],
    )

    print({c["name"]: c["roc_auc"] for c in result.candidates}, result.metrics["roc_auc"])
    assert result.metrics["roc_auc"] > 0.6
    # Rare pages share one __other__ bucket instead of one input value each.
    assert len(result.spec.feature("q_landing_page").vocabulary) < 495
    assert result.parity <= 1e-4
