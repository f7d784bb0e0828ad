"""import_leads, train and score_csv from the command line, on real files."""

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bench.quality import X_EDUCATION_LEAKS
from forms_app.models import Form, Lead, Question
from scoring import metrics
from scoring.models import ModelVersion, ModelVersionEvent

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
X_EDUCATION = SHARED_DATA / "x_education" / "Leads.csv"
LEAKS = ",".join(X_EDUCATION_LEAKS)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture
def history_csv(tmp_path):
    rows = [["id", "Company size", "Employees", "Source", "Outcome"]]
    for i in range(12):
        rows.append([i, ["Small", "Large", "Select"][i % 3], 10 * i, "web", ["won", "lost"][i % 2]])
    rows.append([99, "Small", "many", "web", "won"])  # a number that is not a number
    rows.append([100, "Large", 5, "web", ""])  # no outcome
    return write_csv(tmp_path / "history.csv", rows)


def test_import_with_create_form_builds_a_draft_form_from_the_columns(db, history_csv):
    output = run(
        "import_leads",
        str(history_csv),
        "--form",
        "history",
        "--create-form",
        "--outcome",
        "Outcome",
        "--positive",
        "won",
        "--exclude",
        "id",
    )

    form = Form.objects.get(slug="history")
    assert form.status == Form.Status.DRAFT
    questions = {q.label: q for q in form.questions.all()}
    assert set(questions) == {"Company size", "Employees", "Source"}
    assert questions["Company size"].kind == Question.Kind.DROPDOWN
    # Choices in order of frequency; "Select" is a placeholder, not a choice.
    assert [c["label"] for c in questions["Company size"].choices] == ["Small", "Large"]
    assert questions["Employees"].kind == Question.Kind.DROPDOWN  # "many" is not a number
    assert Lead.objects.filter(form=form).count() == 13
    assert Lead.objects.filter(form=form, status="qualified").count() == 7
    assert "Imported 13 of 14 rows" in output
    assert "line 15 [Outcome]: no outcome; row skipped." in output
    placeholder = Lead.objects.get(form=form, capture__imported__line=4)
    assert "company_size" not in placeholder.answers  # "Select" means not answered


def test_import_into_an_existing_form_reports_values_it_cannot_read(db, tmp_path, make_form):
    make_form(("Employees", "number", {}), ("Plan", "dropdown", {"choices": ["Basic", "Pro"]}))
    path = write_csv(
        tmp_path / "leads.csv",
        [["Employees", "Plan", "Result"], ["12", "Pro", "yes"], ["lots", "Gold", "no"]],
    )
    output = run("import_leads", str(path), "--form", "contact", "--outcome", "Result")

    assert "Imported 2 of 2 rows" in output
    assert "'lots' is not a number; left blank." in output
    assert "'Gold' is not one of the question's choices." in output
    assert Lead.objects.get(capture__imported__line=2).answers == {"employees": 12, "plan": "pro"}


def test_import_sniffs_a_semicolon_latin_1_file_without_being_told(db, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(
        "Région;Taille;Résultat\nÎle-de-France;10;oui\nBavière;20;non\n".encode("latin-1")
    )
    output = run(
        "import_leads",
        str(path),
        "--form",
        "fr",
        "--create-form",
        "--outcome",
        "Résultat",
        "--positive",
        "oui",
        "--no-input",
    )

    assert "Imported 2 of 2 rows" in output
    form = Form.objects.get(slug="fr")
    assert [c["label"] for c in form.questions.get(label="Région").choices] == [
        "Bavière",
        "Île-de-France",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outcome", "Nope"], "The outcome column 'Nope' is not in the file."),
        (["--outcome", "Outcome", "--order-by", "When"], "--order-by column 'When'"),
        (["--outcome", "Outcome", "--exclude", "Ghost"], "excluded column 'Ghost'"),
        (["--outcome", "Outcome", "--delimiter", ";"], "a single column"),
    ],
)
def test_a_bad_column_or_option_imports_nothing(db, history_csv, args, message):
    with pytest.raises(CommandError, match=message):
        run("import_leads", str(history_csv), "--form", "h", "--create-form", *args)
    assert not Form.objects.exists()
    assert not Lead.objects.exists()


def test_a_file_that_is_not_csv_imports_nothing(db, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b'"unterminated,quote\nfoo')
    with pytest.raises(CommandError, match="Nothing imported"):
        run("import_leads", str(path), "--form", "h", "--create-form", "--outcome", "x")
    assert not Lead.objects.exists()


def test_train_prints_candidates_and_metrics_and_activates_by_the_gate(db):
    call_command("demo", "--password", "demo-pass-123", "--leads", "1500", stdout=StringIO())
    form = Form.objects.get(slug="demo")
    first = form.model_versions.get()
    assert first.status == "active"

    # The same data again cannot beat the active version: the challenger is kept, not activated.
    output = run("train", "demo")
    for name in ("logistic_regression", "random_forest", "hist_gradient_boosting"):
        assert name in output
    assert "points system ROC AUC" in output
    assert "what drives the score" in output and "When do you want to start?" in output
    assert "Do not activate: holdout ROC AUC" in output and "on the same" in output
    second = form.model_versions.get(number=2)
    assert second.status == ModelVersion.Status.CANDIDATE
    assert ModelVersionEvent.objects.filter(version=second, action="kept").exists()

    forced = json.loads(run("train", "demo", "--activate", "always", "--json"))
    assert forced["activated"] is True
    assert form.model_versions.get(status="active").number == forced["version"] == 3


def test_train_explains_why_it_cannot_train_on_too_little_data(db, make_form):
    make_form(("Plan", "dropdown", {"choices": ["Basic", "Pro"], "feeds_score": True}))
    with pytest.raises(CommandError, match="needs at least"):
        run("train", "contact")


@pytest.mark.slow
@pytest.mark.skipif(not X_EDUCATION.exists(), reason=f"{X_EDUCATION} is not on this machine")
def test_x_education_history_imports_trains_and_scores_from_the_command_line(db, tmp_path):
    run(
        "import_leads",
        str(X_EDUCATION),
        "--form",
        "x-education",
        "--create-form",
        "--outcome",
        "Converted",
        "--positive",
        "1",
        "--order-by",
        "Lead Number",
        "--exclude",
        f"Prospect ID,{LEAKS}",
    )
    result = json.loads(run("train", "x-education", "--json"))
    assert result["metrics"]["holdout_n"] == 1848
    assert result["metrics"]["roc_auc"] >= 0.87
    assert result["activated"]

    with X_EDUCATION.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    newest = sorted(rows, key=lambda r: int(r["Lead Number"]))[-500:]
    sample = tmp_path / "newest.csv"
    write_csv(sample, [list(newest[0]), *[list(r.values()) for r in newest]])
    run("score_csv", "x-education", str(sample), str(tmp_path / "scored.csv"))

    with (tmp_path / "scored.csv").open(newline="") as handle:
        scored = list(csv.DictReader(handle))
    assert len(scored) == 500
    assert all(0 <= int(r["score"]) <= 100 and r["tier"] and r["model"] == "v1" for r in scored)
    assert any(r["top_factors"] for r in scored)
    converted = [r["Converted"] == "1" for r in scored]
    assert metrics.roc_auc(converted, [float(r["probability"]) for r in scored]) >= 0.87


def test_a_column_of_many_values_that_repeat_becomes_a_scored_hidden_field(db, tmp_path):
    """Landing pages: 80 distinct values, each on several rows, are a category, not free text;
    an id that never repeats is free text that does not feed the score."""
    rows = [["id", "Landing page", "Outcome"]]
    for i in range(400):
        rows.append([f"lead-{i}", f"page-{i % 80}", ["won", "lost"][i % 2]])
    path = write_csv(tmp_path / "pages.csv", rows)

    run("import_leads", str(path), "--form", "pages", "--create-form", "--outcome", "Outcome")

    form = Form.objects.get(slug="pages")
    page = form.questions.get(label="Landing page")
    assert page.kind == Question.Kind.HIDDEN and page.feeds_score
    identifier = form.questions.get(label="id")
    assert identifier.kind == Question.Kind.SHORT_TEXT and not identifier.feeds_score
    assert Lead.objects.filter(form=form, answers__landing_page="page-7").count() == 5
