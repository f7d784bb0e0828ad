"""One minimum of labelled history: `train` refuses below it and the gate activates nothing."""

import pytest

from forms_app.demo.engine_dataset import demo_dataset
from forms_app.models import Form
from scoring.models import ModelVersion
from scoring.services import (
    TrainingHistory,
    cold_start_progress,
    gate_verdict,
    history_minimum,
    model_version_train,
)
from scoring.training import TrainingError, train
from tests.helpers.training import ENGINE_MINIMUM


def _history(n: int, converted: int) -> TrainingHistory:
    """n demo leads, `converted` of them converted, spread evenly over time."""
    data = demo_dataset(n=n, seed=3)
    step = n // converted
    outcomes = [i % step == 0 and i // step < converted for i in range(n)]
    return TrainingHistory(
        spec_questions=data["questions"],
        key_pages=data["key_pages"],
        leads=data["leads"],
        outcomes=outcomes,
        times=data["times"],
        points_rules=[],
        sales_ready=80,
        marketing_qualified=60,
    )


def test_the_minimum_is_read_from_the_settings(settings):
    assert (history_minimum().converted, history_minimum().not_converted) == (40, 40)
    settings.FORMSCORE_MIN_CONVERTED, settings.FORMSCORE_MIN_NOT_CONVERTED = 25, 60
    assert history_minimum().sentence() == "25 converted and 60 not-converted leads"


def test_the_progress_says_what_is_missing():
    progress = cold_start_progress(12, 230)
    assert progress["reached"] is False
    assert (progress["missing_converted"], progress["missing_not_converted"]) == (28, 0)
    assert progress["text"] == "12 of 40 converted, 230 of 40 not converted"
    assert [p["percent"] for p in progress["parts"]] == [30, 100]
    assert cold_start_progress(40, 40)["reached"] is True


def test_train_refuses_a_history_below_the_minimum_and_registers_nothing(db):
    form = Form.objects.create(name="Young", slug="young")
    history = _history(242, 12)

    with pytest.raises(TrainingError) as error:
        model_version_train(form_id=form.pk, history=history)

    assert str(error.value) == (
        "needs at least 40 converted and 40 not converted leads; has 12 and 230"
    )
    assert not ModelVersion.objects.exists()


def test_the_gate_activates_nothing_below_the_minimum(db, settings):
    """A result trained elsewhere on less (the engine takes any minimum) meets the same one."""
    form = Form.objects.create(name="Young", slug="young")
    history = _history(300, 30)
    result = train(**vars(history), **ENGINE_MINIMUM, algorithms=("logistic_regression",))

    verdict = gate_verdict(form.pk, result, history)

    assert (verdict.activate, verdict.kind) == (False, "too_few")
    assert verdict.text == (
        "Do not activate yet: a model needs at least 40 converted and 40 not-converted leads"
        " with an outcome; training had 30 and 270."
    )
    settings.FORMSCORE_MIN_CONVERTED = 30
    assert gate_verdict(form.pk, result, history).kind != "too_few"
