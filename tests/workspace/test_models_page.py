"""The models page: import history, train in the background, compare, activate, roll back."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from forms_app.demo.history import demo_history_create
from forms_app.models import ImportRun, Lead
from forms_app.scoring_adapter import training_run
from forms_app.workspace.import_runs import import_run_execute
from scoring.features import SPEC_FORMAT
from scoring.models import ModelVersion, ModelVersionEvent, TrainingRun
from scoring.services import model_version_activate


def _version(form, number, *, auc, status=ModelVersion.Status.CANDIDATE, spec_format=SPEC_FORMAT):
    return ModelVersion.objects.create(
        form=form,
        number=number,
        algorithm="logistic_regression",
        onnx=b"not a model: the page never loads it",
        sha256="0" * 64,
        feature_spec={"format": spec_format, "features": []},
        metrics={
            "roc_auc": auc,
            "points_roc_auc": 0.61,
            "average_precision": auc / 2,
            "lift_top_20": 2.5,
            "holdout_n": 120,
            "thresholds": {"sales_ready": 80, "marketing_qualified": 60},
            "precision_at_80": 0.4,
            "recall_at_80": 0.5,
            "precision_at_60": 0.25,
            "recall_at_60": 0.8,
        },
        n_leads=600,
        n_converted=60,
        window_start=timezone.now(),
        window_end=timezone.now(),
        status=status,
    )


@pytest.fixture
def versions(draft_form, marketer):
    first = _version(draft_form, 1, auc=0.74)
    model_version_activate(version=first, actor=marketer, reason="First model.")
    second = _version(draft_form, 2, auc=0.81)
    return first, second


def test_versions_are_compared_side_by_side_with_the_points_system(marketer_client, versions):
    page = marketer_client.get("/app/forms/pricing/models/").content.decode()
    assert "Compare versions" in page
    assert "Points system, same holdout" in page
    assert '<span class="best">0.810</span>' in page  # the better ROC AUC stands out
    assert "0.740" in page and "0.610" in page
    assert "Activate v2" in page
    assert "Activated" in page and "First model." in page and "Morgan Lee" in page


def test_the_active_version_shows_what_drives_the_score(marketer_client, versions):
    first, _ = versions
    drivers = [
        {"feature": "q_timeline", "label": "Timeline", "importance": 0.2},
        {"feature": "q_role", "label": "Your role", "importance": 0.05},
    ]
    # A registered version's save() refuses new metrics: write the row as training would have.
    ModelVersion.objects.filter(pk=first.pk).update(metrics=first.metrics | {"drivers": drivers})

    page = marketer_client.get("/app/forms/pricing/models/").content.decode()

    assert "What drives the score" in page
    assert page.index("Timeline") < page.index("Your role")
    chart = page.split('aria-labelledby="drivers-title drivers-desc"')[1].split("</svg>")[0]
    widths = [float(w) for w in re.findall(r'class="chart-bar" [^>]*width="([\d.]+)"', chart)]
    assert widths[1] == pytest.approx(widths[0] / 4)  # bars relative to the strongest driver


def test_the_live_roc_auc_waits_for_outcomes_then_shows(marketer_client, versions, draft_form):
    first, _ = versions
    page = marketer_client.get("/app/forms/pricing/models/").content.decode()
    assert "Live ROC AUC" in page and "once 20 more of the leads it scored" in page

    for i in range(24):
        Lead.objects.create(
            form=draft_form,
            created_at=timezone.now(),
            model_version=first,
            probability=i / 24,
            status="won" if i >= 12 else "lost",
        )
    page = marketer_client.get("/app/forms/pricing/models/").content.decode()
    assert "1.000" in page and "once 20 more" not in page


def test_an_active_version_this_formscore_cannot_serve_is_flagged(
    marketer_client, versions, draft_form, marketer
):
    assert (
        "cannot score leads here"
        not in marketer_client.get("/app/forms/pricing/models/").content.decode()
    )
    older = _version(draft_form, 3, auc=0.8, spec_format=1)
    model_version_activate(version=older, actor=marketer)

    page = marketer_client.get("/app/forms/pricing/models/").content.decode()

    assert "v3 was trained by an earlier formscore and cannot score leads here" in page


def test_the_models_page_costs_the_same_queries_for_many_versions(
    marketer_client, draft_form, marketer, django_assert_max_num_queries
):
    for number in range(1, 9):
        version = _version(draft_form, number, auc=0.7 + number / 100)
        model_version_activate(version=version, actor=marketer)
    # 10, plus one for the live ROC AUC and one for the last imports (the import history), and
    # three for drift: the active version's references, this week's score bands, the open episode
    with django_assert_max_num_queries(15):
        response = marketer_client.get("/app/forms/pricing/models/")
    assert response.status_code == 200


def test_a_candidate_is_activated_and_the_trail_records_who(marketer_client, versions, marketer):
    first, second = versions
    marketer_client.post("/app/forms/pricing/models/v2/activate/", {"reason": "Better AUC."})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("retired", "active")
    event = ModelVersionEvent.objects.filter(version=second).latest("created_at")
    assert (event.action, event.actor, event.reason) == ("activated", marketer, "Better AUC.")


def test_rolling_back_returns_to_the_previous_version(marketer_client, versions):
    first, _ = versions
    marketer_client.post("/app/forms/pricing/models/v2/activate/")
    response = marketer_client.post("/app/forms/pricing/models/rollback/", follow=True)
    assert "v1 scores new leads again" in response.content.decode()
    first.refresh_from_db()
    assert first.status == "active"


def test_rolling_back_the_first_model_returns_to_the_points_system(marketer_client, versions):
    response = marketer_client.post(
        "/app/forms/pricing/models/rollback/", {"reason": "Odd scores."}, follow=True
    )
    page = response.content.decode()
    assert "the points system scores new leads again" in page
    assert "Odd scores." in page
    assert not ModelVersion.objects.filter(status="active").exists()

    response = marketer_client.post("/app/forms/pricing/models/rollback/", follow=True)
    assert "nothing to roll back" in response.content.decode()


def test_train_now_queues_a_run_and_its_progress_is_polled(marketer_client, draft_form, marketer):
    response = marketer_client.post(
        "/app/forms/pricing/models/train/", headers={"HX-Request": "true"}
    )
    run = TrainingRun.objects.get()
    assert (run.status, run.actor) == ("queued", marketer)
    fragment = response.content.decode()
    assert f'hx-get="/app/forms/pricing/models/runs/{run.pk}/"' in fragment
    assert 'hx-trigger="every 1s"' in fragment

    # A second click while it runs does not queue another training.
    marketer_client.post("/app/forms/pricing/models/train/")
    assert TrainingRun.objects.count() == 1

    training_run.call(run.pk)  # what the task worker does
    status = marketer_client.get(
        f"/app/forms/pricing/models/runs/{run.pk}/", headers={"HX-Request": "true"}
    )
    assert status["HX-Refresh"] == "true"
    assert "Not trained: needs at least" in status.content.decode()


def test_train_now_trains_a_model_the_preview_then_uses(marketer_client, demo_form):
    demo_history_create(demo_form, count=600)
    demo_form.points_rules.all().delete()  # nothing to beat: the gate activates the model
    marketer_client.post("/app/forms/demo/models/train/")
    training_run.call(TrainingRun.objects.get().pk)

    version = ModelVersion.objects.get()
    assert version.status == "active"
    page = marketer_client.get("/app/forms/demo/models/").content.decode()
    assert f"Trained v{version.number}" in page
    panel = marketer_client.post(
        "/app/forms/demo/preview/score/",
        {"timeline": "within_1_month"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Model v1" in panel
    assert "%" in panel.split('data-testid="probability">')[1].split("<")[0]


CSV = (
    "email,timeline,budget,outcome,created\n"
    "a@corp.example,now,1000,won,2026-01-02\n"
    "b@mail.example,later,lots,lost,2026-01-03\n"
    "c@corp.example,soon,5000,won,2026-01-04\n"
    "d@corp.example,later,10,,2026-01-05\n"
)


def _upload(client, content=CSV, name="history.csv"):
    upload = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    return client.post("/app/forms/pricing/models/import/", {"file": upload})


def test_importing_history_maps_columns_reports_problems_then_stores(marketer_client, draft_form):
    response = _upload(marketer_client)
    run = ImportRun.objects.get()
    url = f"/app/imports/{run.pk}/"
    assert response["Location"] == url

    page = marketer_client.get(url).content.decode()
    assert "history.csv" in page and "4 rows" in page
    assert '<option value="timeline" selected>' in page  # matched by key
    mapping = {"map_0": "work_e_mail", "map_1": "timeline", "map_2": "budget"}
    options = {"outcome_column": "outcome", "order_by": "created", **mapping}

    check = marketer_client.post(url, {**options, "action": "check"})
    report = check.content.decode()
    assert check.status_code == 200
    assert 'data-testid="would-import">3<' in report
    assert "&#x27;lots&#x27; is not a number" in report
    assert '<td class="mono">soon</td>' in report  # matches no choice: listed first
    assert "no outcome; row skipped" in report
    assert Lead.objects.count() == 0  # nothing stored before the import is started

    marketer_client.post(url, {**options, "action": "start"})
    import_run_execute(run.pk)  # what the imports worker does
    leads = Lead.objects.order_by("created_at")
    assert [lead.status for lead in leads] == ["qualified", "lost", "qualified"]
    assert leads[0].answers == {"work_e_mail": "a@corp.example", "timeline": "now", "budget": 1000}
    assert leads[0].source == Lead.Source.IMPORT
    models_page = marketer_client.get("/app/forms/pricing/models/").content.decode()
    assert f'<a href="{url}">history.csv</a> <span class="badge badge-success">Imported</span>' in (
        models_page
    )


def test_an_import_without_an_outcome_column_is_refused(marketer_client, draft_form):
    _upload(marketer_client)
    url = f"/app/imports/{ImportRun.objects.get().pk}/"
    response = marketer_client.post(
        url, {"map_1": "timeline", "outcome_column": "", "action": "start"}
    )
    assert response.status_code == 422
    assert "Choose the column that holds the outcome" in response.content.decode()


def test_an_unreadable_file_is_refused_with_its_reason(marketer_client, draft_form):
    response = _upload(marketer_client, content="just one column\nx\n", name="bad.csv")
    assert response["Location"] == "/app/forms/pricing/models/"
    page = marketer_client.get("/app/forms/pricing/models/").content.decode()
    assert "bad.csv: The file has a single column" in page


def test_an_import_can_be_cancelled(marketer_client, draft_form):
    _upload(marketer_client)
    url = f"/app/imports/{ImportRun.objects.get().pk}/"
    marketer_client.post(url, {"action": "discard"})
    assert Lead.objects.count() == 0
    assert ImportRun.objects.get().status == "cancelled"
