"""The models page's evidence panel: why a version can be trusted, in charts with their figures in
words and tables, for a real trained model and for versions trained before the charts existed."""

import pytest
from django.utils import timezone

from scoring.features import SPEC_FORMAT
from scoring.models import ModelVersion
from scoring.services import model_version_activate


def _version(form, number, **metrics):
    return ModelVersion.objects.create(
        form=form,
        number=number,
        algorithm="logistic_regression",
        onnx=b"not a model: the page never loads it",
        sha256="0" * 64,
        feature_spec={"format": SPEC_FORMAT, "features": []},
        metrics={
            "roc_auc": 0.81,
            "points_roc_auc": 0.61,
            "holdout_n": 120,
            "holdout_positives": 18,
            "base_rate": 0.15,
            "thresholds": {"sales_ready": 80, "marketing_qualified": 60},
            "precision_at_80": 0.4,
            "recall_at_80": 0.5,
            "precision_at_60": 0.25,
            "recall_at_60": 0.8,
            **metrics,
        },
        n_leads=600,
        n_converted=60,
        window_start=timezone.now(),
        window_end=timezone.now(),
    )


@pytest.fixture
def morgan(marketer_client):
    """Morgan, a marketer, logged in."""
    return marketer_client


def test_a_trained_model_shows_its_verdict_charts_and_their_figures(morgan, scored_demo_form):
    version = scored_demo_form.model_versions.get()
    deciles = version.metrics["evidence"]["deciles"]

    page = morgan.get("/app/forms/demo/models/").content.decode()
    panel = page.split('id="evidence"')[1].split('aria-labelledby="compare-title"')[0]

    assert "Why trust v1?" in panel
    assert 'data-testid="verdict"' in panel and "verdict-ok" in panel
    assert "better than chance" in panel  # trained without points rules: chance is the bar
    for title in [
        "Conversion by score decile, v1",
        "Calibration, v1",
        "v1 against chance, holdout ROC AUC",
        "What drives the score, v1",
    ]:
        assert f">{title}</title>" in panel
    assert panel.count('role="img"') == 4 and panel.count("<desc id=") == 4
    assert panel.count("Show as a table") == 4
    assert f'<td class="num">{deciles[0]["n"]}</td>' in panel
    assert "Sales-ready" in panel and "Marketing-qualified" in panel
    assert "appear after the next training" not in panel


def test_a_version_trained_before_the_charts_shows_what_it_has(morgan, draft_form, marketer):
    model_version_activate(version=_version(draft_form, 1), actor=marketer)

    page = morgan.get("/app/forms/pricing/models/").content.decode()

    assert "The lift and calibration charts appear after the next training" in page
    assert (
        "Ranks leads 0.200 better than the points system on the same holdout (0.810 against 0.610)"
        in page
    )
    assert ">v1 against the points system, holdout ROC AUC</title>" in page
    assert "Conversion by score decile" not in page
    assert '<td class="num">40%</td><td class="num">50%</td>' in page  # at sales-ready


def test_the_gate_verdict_leaks_and_drift_are_shown_as_warnings(morgan, draft_form, marketer):
    model_version_activate(version=_version(draft_form, 1, roc_auc=0.894), actor=marketer)
    _version(
        draft_form,
        2,
        roc_auc=0.97,
        comparison={"name": "v1", "roc_auc": 0.902, "holdout_n": 150},
        verdict={
            "activate": False,
            "kind": "leakage",
            "text": "Not activated: Deal stage looks recorded after the outcome.",
        },
        leakage={"suspects": [{"column": "deal_stage", "reason": "predicts the outcome alone"}]},
        drift={"drifted": True, "text": "Company size has shifted since training."},
    )

    page = morgan.get("/app/forms/pricing/models/?evidence=2").content.decode()
    panel = page.split('id="evidence"')[1].split('aria-labelledby="compare-title"')[0]

    assert "Why trust v2?" in panel
    assert "verdict-warning" in panel and "Possible leak." in panel
    assert "Not activated: Deal stage looks recorded after the outcome." in panel
    assert "deal_stage" in panel and "predicts the outcome alone" in panel
    assert "Company size has shifted since training." in panel
    assert ">v2 against v1, holdout ROC AUC</title>" in panel


def test_the_evidence_of_another_version_is_one_link_away(morgan, draft_form, marketer):
    model_version_activate(version=_version(draft_form, 1), actor=marketer)
    _version(draft_form, 2, roc_auc=0.45)

    page = morgan.get("/app/forms/pricing/models/?compare=1&compare=2").content.decode()
    assert "Why trust v1?" in page  # the active one first
    assert 'href="?compare=1&amp;compare=2&amp;evidence=2#evidence"' in page

    page = morgan.get("/app/forms/pricing/models/?evidence=2").content.decode()
    assert "Why trust v2?" in page
    assert "Worse than chance." in page and "no better than chance (ROC AUC 0.450)" in page


def test_without_any_version_there_is_no_panel(morgan, draft_form):
    page = morgan.get("/app/forms/pricing/models/").content.decode()
    assert 'id="evidence"' not in page


def test_the_compare_table_says_what_each_roc_auc_is_measured_on(morgan, draft_form, marketer):
    # v1 reads 0.894 on its own holdout; the gate measured it at 0.902 on v2's. Both are shown,
    # each labelled, so the gate's message and the table never contradict without a word.
    model_version_activate(version=_version(draft_form, 1, roc_auc=0.894), actor=marketer)
    _version(draft_form, 2, roc_auc=0.93, comparison={"name": "v1", "roc_auc": 0.902})
    _version(draft_form, 3, roc_auc=0.9, comparison={"name": "the points system", "roc_auc": 0.6})

    page = morgan.get("/app/forms/pricing/models/").content.decode()

    assert "ROC AUC, on its own holdout" in page
    assert page.count("on this holdout:") == 1  # the points system has its own row
    row = page.split("ROC AUC, on its own holdout")[1].split("</tr>")[0]
    assert "0.894" in row and "0.930" in row and "v1 on this holdout: 0.902" in row
