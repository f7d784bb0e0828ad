"""The gate cannot be fooled: drift, chance, leaks, and a calibration that never reorders leads."""

from dataclasses import replace

import pytest

from forms_app.demo.engine_dataset import demo_dataset
from forms_app.models import Form
from scoring.features import QuestionInput
from scoring.models import ModelVersion
from scoring.services import TrainingHistory, active_version, model_version_train
from scoring.training import CALIBRATION_REVERSED, calibration_increasing, train
from tests.helpers.training import ENGINE_MINIMUM

N = 900
HOLDOUT = 180  # the newest 20 %


@pytest.fixture
def gate(settings):
    settings.FORMSCORE_MIN_CONVERTED = 40
    settings.FORMSCORE_MIN_NOT_CONVERTED = 40
    settings.FORMSCORE_GATE_MARGIN = 0.005


def _history(data: dict, outcomes=None, questions=None) -> TrainingHistory:
    return TrainingHistory(
        spec_questions=questions or data["questions"],
        key_pages=data["key_pages"],
        leads=data["leads"],
        outcomes=outcomes or data["outcomes"],
        times=data["times"],
        points_rules=[],
        sales_ready=80,
        marketing_qualified=60,
    )


def _newest(data: dict, count: int) -> list[int]:
    return sorted(range(len(data["times"])), key=lambda i: (data["times"][i], i))[-count:]


def test_a_version_that_ranks_worse_than_chance_is_never_activated(db, gate):
    """Built to drift: in the newest leads every outcome is the opposite of what came before."""
    data = demo_dataset(n=N, seed=4)
    outcomes = list(data["outcomes"])
    for i in _newest(data, HOLDOUT):
        outcomes[i] = not outcomes[i]
    form = Form.objects.create(name="Drifting", slug="drifting")

    outcome = model_version_train(form_id=form.pk, history=_history(data, outcomes))

    version = outcome.version
    assert version.metrics["roc_auc"] < 0.5
    assert not outcome.activated
    assert version.status == ModelVersion.Status.CANDIDATE and active_version(form.pk) is None
    assert version.metrics["verdict"]["kind"] == "worse_than_chance"
    assert outcome.reason.startswith("Do not activate: holdout ROC AUC")
    assert "no better than chance" in outcome.reason
    # Compared with chance, and said so: the form has no points rules.
    assert version.metrics["comparison"]["name"] == "chance (no points rules)"
    assert version.metrics["comparison"]["roc_auc"] == 0.5
    # The drift is named: the newest leads convert at a different rate.
    assert version.metrics["drift"]["drifted"] is True
    assert "look different from the older ones" in outcome.reason


def test_a_form_without_points_rules_is_compared_with_chance_and_activated_when_it_ranks(db, gate):
    data = demo_dataset(n=N, seed=5)
    form = Form.objects.create(name="Plain", slug="plain")

    outcome = model_version_train(form_id=form.pk, history=_history(data))

    assert outcome.activated
    assert outcome.reason.startswith("Activated: ranks leads 0.")
    assert "better than chance (no points rules)" in outcome.reason
    verdict = outcome.version.metrics["verdict"]
    assert verdict == {"activate": True, "kind": "ready", "text": verdict["text"]}
    assert verdict["text"].startswith("Ready to activate: ranks leads")


def test_a_version_that_does_not_beat_the_active_one_on_the_same_leads_is_kept(db, gate):
    data = demo_dataset(n=N, seed=6)
    form = Form.objects.create(name="Twice", slug="twice")
    first = model_version_train(form_id=form.pk, history=_history(data))
    assert first.activated

    second = model_version_train(form_id=form.pk, history=_history(data))

    assert not second.activated
    comparison = second.version.metrics["comparison"]
    assert comparison["name"] == "v1"
    assert comparison["holdout_n"] == HOLDOUT
    assert f"does not beat v1 ({comparison['roc_auc']:.3f})" in second.reason
    assert active_version(form.pk).number == 1


def test_a_holdout_auc_too_good_to_be_true_is_refused_as_a_leak(db, gate):
    """A column filled in after the outcome, kept because the marketer said it was known."""
    data = demo_dataset(n=N, seed=7)
    leads = [
        {**lead, "answers": {**lead["answers"], "stage": "won" if converted else "lost"}}
        for lead, converted in zip(data["leads"], data["outcomes"], strict=True)
    ]
    stage = QuestionInput(
        "stage", "Stage", "dropdown", (("won", "Won"), ("lost", "Lost")), known_at_arrival=True
    )
    history = replace(_history(data, questions=[*data["questions"], stage]), leads=leads)
    form = Form.objects.create(name="Leaky", slug="leaky")

    outcome = model_version_train(form_id=form.pk, history=history)

    assert outcome.version.metrics["roc_auc"] >= 0.97
    assert not outcome.activated
    assert outcome.version.metrics["verdict"]["kind"] == "leakage"
    assert outcome.reason.startswith("Do not activate: suspected leakage in Stage")


def test_a_leak_is_left_out_by_default_and_named_with_its_reason(db):
    data = demo_dataset(n=N, seed=7)
    leads = [
        {**lead, "answers": {**lead["answers"], "stage": "won" if converted else "lost"}}
        for lead, converted in zip(data["leads"], data["outcomes"], strict=True)
    ]
    stage = QuestionInput("stage", "Stage", "dropdown", (("won", "Won"), ("lost", "Lost")))

    result = train(
        **ENGINE_MINIMUM,
        **vars(replace(_history(data, questions=[*data["questions"], stage]), leads=leads)),
    )

    assert "q_stage" not in result.spec.names
    assert result.metrics["roc_auc"] < 0.97
    (suspect,) = result.metrics["leakage"]["suspects"]
    assert suspect["column"] == "Stage" and suspect["excluded"] is True
    assert suspect["how"] == "name" and "stage" in suspect["reason"].lower()


def test_calibration_never_reorders_leads(demo_result):
    """The served model is an increasing map of the winner: the AUC after it is the winner's."""
    assert demo_result.metrics["calibration"] == "sigmoid"
    assert demo_result.metrics["roc_auc"] == demo_result.metrics["candidate_roc_auc"]
    assert calibration_increasing(demo_result.model)


def test_a_sigmoid_that_would_reverse_the_ranking_is_refused(demo_result):
    model = demo_result.model
    calibrator = model.steps[-1][1].calibrated_classifiers_[0].calibrators[0]
    original = calibrator.a_
    try:
        calibrator.a_ = abs(original)  # a positive slope: higher raw scores, lower probability
        assert not calibration_increasing(model)
    finally:
        calibrator.a_ = original
    assert CALIBRATION_REVERSED.startswith("none:")
