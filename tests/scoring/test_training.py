import json
import math
from datetime import datetime, timedelta

import numpy as np
import onnx
import pytest
from threadpoolctl import threadpool_limits

from forms_app.demo.engine_dataset import demo_dataset
from scoring.features import feature_matrix, feature_spec_build
from scoring.onnx_export import ParityError, check_parity, export, feed_frame
from scoring.training import (
    ALGORITHMS,
    RF_MAX_ROWS_PER_TREE,
    TrainingError,
    _stressed,
    calibrated_build,
    candidate_build,
    train,
)
from tests.helpers.training import ENGINE_MINIMUM


@pytest.fixture(scope="module")
def prepared(demo):
    spec = feature_spec_build(
        questions=demo["questions"], key_pages=demo["key_pages"], rows=demo["leads"]
    )
    feed = feature_matrix(spec, demo["leads"])
    y = np.array(demo["outcomes"], dtype=int)
    # Rows the model never saw, with unseen categories, missing answers and NaN numbers planted,
    # plus codes beyond any category (the ONNX graph must cope with them too).
    unseen = _stressed(spec, {name: column[400:] for name, column in feed.items()})
    for name in spec.categorical_names:
        unseen[name][::7, 0] = len(spec.feature(name).categories) + 5
    check = {name: np.concatenate([feed[name][400:], unseen[name]]) for name in spec.names}
    return spec, feed, y, check


@pytest.mark.parametrize("calibrated", [False, True], ids=["plain", "calibrated"])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_onnx_agrees_with_sklearn(prepared, algorithm, calibrated):
    spec, feed, y, check = prepared
    build = calibrated_build if calibrated else candidate_build
    args = (algorithm, spec, 0, 3) if calibrated else (algorithm, spec, 0)
    train_rows = {name: column[:400] for name, column in feed.items()}
    with threadpool_limits(limits=1):
        model = build(*args).fit(feed_frame(train_rows), y[:400])

    onnx_bytes = export(model, spec, train_rows)

    assert check_parity(onnx_bytes, model, check) <= 1e-4
    graph = onnx.load_model_from_string(onnx_bytes).graph
    inputs = {i.name: i.type.tensor_type.elem_type for i in graph.input}
    assert list(inputs) == spec.names
    for feature in spec.features:
        expected = (
            onnx.TensorProto.INT64 if feature.kind == "categorical" else onnx.TensorProto.FLOAT
        )
        assert inputs[feature.name] == expected


def _forest(model):
    return model.named_steps["classify"]


def test_a_forest_on_a_long_history_learns_each_tree_from_a_bounded_sample(prepared):
    spec, feed, y, check = prepared
    copies = RF_MAX_ROWS_PER_TREE // len(y) + 2
    long_feed = {name: np.tile(column, (copies, 1)) for name, column in feed.items()}
    long_y = np.tile(y, copies)
    with threadpool_limits(limits=1):
        model = candidate_build("random_forest", spec, 0, n_rows=len(long_y)).fit(
            feed_frame(long_feed), long_y
        )

    assert len(long_y) > RF_MAX_ROWS_PER_TREE
    for tree in _forest(model).estimators_:
        assert tree.tree_.weighted_n_node_samples[0] == RF_MAX_ROWS_PER_TREE
    assert check_parity(export(model, spec, long_feed), model, check) <= 1e-4


def test_a_forest_on_a_short_history_is_the_usual_forest(prepared):
    spec, feed, y, _check = prepared
    with threadpool_limits(limits=1):
        bounded = candidate_build("random_forest", spec, 0, n_rows=len(y)).fit(feed_frame(feed), y)
        usual = candidate_build("random_forest", spec, 0).fit(feed_frame(feed), y)

    assert _forest(bounded).max_samples is None
    assert all(
        np.array_equal(a.tree_.threshold, b.tree_.threshold)
        for a, b in zip(_forest(bounded).estimators_, _forest(usual).estimators_, strict=True)
    )


def test_a_parity_failure_is_reported(prepared, demo_result):
    spec, feed, y, check = prepared
    other = candidate_build("logistic_regression", spec, 0).fit(feed_frame(feed), 1 - y)

    with pytest.raises(ParityError, match="differ by up to"):
        check_parity(demo_result.onnx_bytes, other, check)


def test_training_picks_the_best_holdout_auc_and_reports_everything(demo, demo_result):
    result = demo_result

    assert [c["name"] for c in result.candidates] == list(ALGORITHMS)
    best = max(c["roc_auc"] for c in result.candidates)
    assert result.algorithm == next(c["name"] for c in result.candidates if c["roc_auc"] == best)
    assert result.calibrated is True
    assert result.parity <= 1e-4
    assert result.counts == {
        "n": 800,
        "positives": sum(demo["outcomes"]),
        "train_n": 640,
        "holdout_n": 160,
        "holdout_positives": sum(demo["outcomes"][640:]),
    }
    assert result.window == {"start": demo["times"][0], "end": demo["times"][-1]}
    assert result.holdout_indices == list(range(640, 800))
    m = result.metrics
    assert json.loads(json.dumps(m)) == m
    assert m["roc_auc"] > 0.75
    assert 0 < m["points_roc_auc"] < m["roc_auc"]
    assert m["lift_top_20"] > 1.3
    assert sum(t["n"] for t in m["tiers"].values()) == 160
    assert {"precision_at_80", "recall_at_80", "precision_at_60", "recall_at_60"} <= set(m)
    assert 0 < m["brier"] < 0.25
    assert len(result.reference) <= 1001 and result.reference == sorted(result.reference)
    assert set(result.library_versions) == {
        "scikit-learn",
        "onnx",
        "onnxruntime",
        "skl2onnx",
        "numpy",
    }
    assert set(result.baseline) == set(result.spec.names)
    assert json.loads(json.dumps(result.baseline)) == result.baseline


def test_what_drives_the_score_finds_the_planted_effects(demo_result):
    drivers = demo_result.metrics["drivers"]

    assert drivers[0] == {
        "feature": "q_timeline",
        "label": "Timeline",
        "importance": drivers[0]["importance"],
    }
    assert drivers[0]["importance"] > 0.1  # shuffling the timeline costs a lot of AUC
    importances = [d["importance"] for d in drivers]
    assert importances == sorted(importances, reverse=True) and min(importances) > 0
    top = {d["feature"] for d in drivers[:5]}
    assert {"q_role", "page_pricing"} & top  # other planted effects rank high
    assert json.loads(json.dumps(drivers)) == drivers


def test_training_is_deterministic_for_a_seed():
    data = demo_dataset(n=150, seed=4)
    kwargs = {
        "spec_questions": data["questions"],
        "key_pages": data["key_pages"],
        "leads": data["leads"],
        "outcomes": data["outcomes"],
        "times": data["times"],
        "algorithms": ("random_forest", "hist_gradient_boosting"),
        "seed": 3,
        **ENGINE_MINIMUM,
    }
    first, second = train(**kwargs), train(**kwargs)

    assert first.onnx_bytes == second.onnx_bytes
    assert first.reference == second.reference
    assert first.metrics == second.metrics
    drop_time = [{k: v for k, v in c.items() if k != "fit_seconds"} for c in first.candidates]
    assert drop_time == [
        {k: v for k, v in c.items() if k != "fit_seconds"} for c in second.candidates
    ]


def test_the_holdout_is_the_newest_leads_whatever_the_input_order():
    data = demo_dataset(n=200, seed=1)
    order = list(range(200))[::-1]
    result = train(
        **ENGINE_MINIMUM,
        spec_questions=data["questions"],
        leads=[data["leads"][i] for i in order],
        outcomes=[data["outcomes"][i] for i in order],
        times=[data["times"][i] for i in order],
        algorithms=("logistic_regression",),
    )

    assert result.holdout_indices == list(range(40))  # reversed input: the newest come first


def test_progress_is_reported_until_done():
    data = demo_dataset(n=120, seed=2)
    stages = []
    train(
        **ENGINE_MINIMUM,
        spec_questions=data["questions"],
        leads=data["leads"],
        outcomes=data["outcomes"],
        times=data["times"],
        algorithms=("logistic_regression",),
        progress=lambda stage, fraction: stages.append((stage, fraction)),
    )

    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and stages[-1] == ("done", 1.0)


def tiny(n, positives, *, newest_positive=True):
    data = demo_dataset(n=n, seed=0)
    outcomes = [False] * n
    chosen = range(n - positives, n) if newest_positive else range(positives)
    for i in chosen:
        outcomes[i] = True
    return {
        "spec_questions": data["questions"],
        "leads": data["leads"],
        "outcomes": outcomes,
        "times": data["times"],
        **ENGINE_MINIMUM,
    }


def test_too_few_leads_is_a_clear_training_error():
    with pytest.raises(TrainingError) as error:
        train(**{**tiny(52, 12), "min_converted": 40, "min_not_converted": 40})
    assert str(error.value) == (
        "needs at least 40 converted and 40 not converted leads; has 12 and 40"
    )


def test_one_class_data_is_a_clear_training_error():
    with pytest.raises(TrainingError, match="not converted leads; has 0 and 60"):
        train(**tiny(60, 0))
    with pytest.raises(TrainingError, match="not converted leads; has 60 and 0"):
        train(**tiny(60, 60))


def test_a_holdout_without_conversions_is_a_clear_training_error():
    with pytest.raises(TrainingError, match="holdout\\) contain no conversions"):
        train(**tiny(60, 15, newest_positive=False))


def test_mismatched_inputs_are_a_training_error():
    data = tiny(60, 20)
    data["times"] = data["times"][:-1]
    with pytest.raises(TrainingError, match="differ in length: 60, 60, 59"):
        train(**data)


def test_leads_without_any_signal_are_a_training_error():
    start = datetime(2026, 1, 1)
    with pytest.raises(TrainingError, match="no question or capture signal varies"):
        train(
            **ENGINE_MINIMUM,
            spec_questions=[],
            leads=[{"answers": {}, "capture": {}}] * 60,
            outcomes=[i % 3 == 0 for i in range(60)],
            times=[start + timedelta(days=i) for i in range(60)],
        )


def test_a_history_without_capture_data_has_no_capture_inputs():
    data = demo_dataset(n=200, seed=5)
    for lead in data["leads"]:
        lead["capture"] = {}
    result = train(
        **ENGINE_MINIMUM,
        spec_questions=data["questions"],
        key_pages=data["key_pages"],
        leads=data["leads"],
        outcomes=data["outcomes"],
        times=data["times"],
        algorithms=("hist_gradient_boosting",),
    )

    assert all(f.source == "answer" for f in result.spec.features)
    assert result.algorithm == "hist_gradient_boosting" and result.parity <= 1e-4
    assert not math.isnan(result.metrics["roc_auc"])


def test_a_model_that_cannot_keep_parity_is_refused():
    data = demo_dataset(n=120, seed=2)
    with pytest.raises(TrainingError, match="cannot be served faithfully: ONNX and scikit-learn"):
        train(
            **ENGINE_MINIMUM,
            spec_questions=data["questions"],
            leads=data["leads"],
            outcomes=data["outcomes"],
            times=data["times"],
            algorithms=("logistic_regression",),
            parity_tolerance=0.0,  # float32 serving never matches float64 to the last bit
        )
