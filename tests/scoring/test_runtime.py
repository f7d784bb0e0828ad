import copy
import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from scoring import runtime
from scoring.features import CATEGORICAL, MISSING, feature_matrix
from scoring.onnx_export import feed_frame
from scoring.runtime import (
    ModelIntegrityError,
    percentile_score,
    predict_probability,
    served_model_build,
    served_model_cache_keys,
    served_model_forget,
    served_model_get,
    tier_for,
)
from scoring.training import train
from tests.helpers.training import ENGINE_MINIMUM

REFERENCE = [i / 1000 for i in range(1001)]  # quantiles of a uniform distribution


@pytest.fixture(autouse=True)
def empty_cache():
    served_model_forget()
    yield
    served_model_forget()


class CountingSession:
    """A real onnxruntime session that counts its runs, plain or over bound buffers."""

    def __init__(self, session):
        self.session, self.runs = session, 0

    def run(self, *args, **kwargs):
        self.runs += 1
        return self.session.run(*args, **kwargs)

    def run_with_iobinding(self, *args, **kwargs):
        self.runs += 1
        return self.session.run_with_iobinding(*args, **kwargs)

    def io_binding(self):
        return self.session.io_binding()


def version_parts(result) -> dict:
    """What the database gives ``served_model_get``: JSON round-tripped, as stored."""
    return {
        "onnx_bytes": result.onnx_bytes,
        "spec": json.loads(json.dumps(result.spec.to_dict())),
        "reference": result.reference,
        "baseline": json.loads(json.dumps(result.baseline)),
    }


@pytest.fixture
def served(demo_result):
    return served_model_build(
        onnx_bytes=demo_result.onnx_bytes,
        spec=demo_result.spec,
        reference=demo_result.reference,
        baseline=demo_result.baseline,
    )


def stressed(leads):
    """Copies of leads with unseen choices, blanks, junk numbers and no capture data."""
    out = []
    for i, lead in enumerate(leads):
        changed = copy.deepcopy(lead)
        answers = changed["answers"]
        if i % 3 == 0:
            answers["timeline"] = "next decade"
            answers["role"] = ""
        elif i % 3 == 1:
            answers.pop("timeline", None)
            changed["capture"] = {}
        else:
            answers["email"] = "not an address"
            changed["capture"]["seconds_to_complete"] = "soon"
        out.append(changed)
    return out


@pytest.mark.parametrize(
    ("probability", "expected"),
    [
        (-1.0, 0),
        (0.0, 0),
        (0.5995, 59),
        (0.6, 60),
        (0.7995, 79),
        (0.8, 80),
        (0.999, 99),
        (1.0, 100),
        (2.0, 100),
    ],
)
def test_the_score_is_the_percentile_within_the_reference(probability, expected):
    assert percentile_score(REFERENCE, [probability]).tolist() == [expected]
    assert runtime.percentile_of(REFERENCE, probability) == expected


def test_a_small_reference_still_spans_0_to_100():
    assert percentile_score([0.2, 0.4, 0.6, 0.8], [0.1, 0.2, 0.5, 0.8]).tolist() == [0, 25, 50, 100]


@pytest.mark.parametrize(
    ("score_", "tier"),
    [
        (0, "nurture"),
        (59, "nurture"),
        (60, "marketing_qualified"),
        (79, "marketing_qualified"),
        (80, "sales_ready"),
        (100, "sales_ready"),
    ],
)
def test_tiers_at_their_boundaries(score_, tier):
    assert tier_for(score_) == tier


def test_tiers_follow_the_forms_thresholds():
    assert tier_for(70, sales_ready=70, marketing_qualified=40) == "sales_ready"
    assert tier_for(39, sales_ready=70, marketing_qualified=40) == "nurture"


def test_versions_load_once_and_only_the_newest_per_group_stays(demo_result):
    loads = []

    def loader():
        loads.append(1)
        return version_parts(demo_result)

    sha = demo_result.sha256
    first = served_model_get(1, loader, sha256=sha, group="form-a")
    again = served_model_get(1, loader, sha256=sha, group="form-a")
    assert first is again and len(loads) == 1

    newer = served_model_get(2, loader, sha256=sha, group="form-a")
    other_form = served_model_get(3, loader, sha256=sha, group="form-b")
    assert newer is not first and len(loads) == 3
    assert sorted(served_model_cache_keys()) == [(2, sha), (3, sha)]

    assert served_model_forget(group="form-b") == 1
    assert served_model_cache_keys() == [(2, sha)]
    assert other_form is not None


def test_bytes_that_do_not_match_the_sha256_are_refused(demo_result):
    def loader():
        return version_parts(demo_result) | {"onnx_bytes": demo_result.onnx_bytes + b"x"}

    with pytest.raises(ModelIntegrityError):
        served_model_get(9, loader, sha256=demo_result.sha256)
    assert served_model_cache_keys() == []


def test_a_spec_from_an_older_format_is_refused_with_advice(demo_result):
    parts = version_parts(demo_result)
    parts["spec"]["format"] = 1
    with pytest.raises(ValueError, match="train the form again"):
        served_model_get(10, lambda: parts)


def test_scores_come_from_the_onnx_model(demo, served, demo_result):
    leads = demo["leads"][:50] + stressed(demo["leads"][50:80])

    batch = served.score(leads)
    one_by_one = [served.score([lead])[0] for lead in leads]

    frame = feed_frame(feature_matrix(demo_result.spec, leads))
    expected = demo_result.model.predict_proba(frame)[:, 1]
    assert np.abs([s.probability for s in batch] - expected).max() < 1e-4
    # The one-lead path writes into bound buffers; it must agree with the batched feed, up to
    # the last float32 bit (which can move a probability sitting on a reference quantile).
    one_by_one_p = np.array([s.probability for s in one_by_one])
    assert np.abs(one_by_one_p - [s.probability for s in batch]).max() < 1e-6
    assert max(abs(a.score - b.score) for a, b in zip(one_by_one, batch, strict=True)) <= 1
    assert all(0 <= s.score <= 100 and isinstance(s.score, int) for s in batch)
    assert served.score([]) == []


def with_timeline(lead, timeline):
    changed = copy.deepcopy(lead)
    changed["answers"]["timeline"] = timeline
    return changed


def timeline_impact(served, lead):
    _, factors = served.score_explain(lead, top=50)
    return {f["feature"]: f for f in factors}.get("q_timeline")


def test_explanations_carry_the_planted_effects_with_their_sign(demo, served, demo_result):
    assert demo_result.baseline["q_timeline"] == "1_3_months"
    for lead in demo["leads"][:20]:
        soon = timeline_impact(served, with_timeline(lead, "within_1_month"))
        never = timeline_impact(served, with_timeline(lead, "no_plans"))
        assert soon["impact"] > 3 and soon["label"] == "Timeline: within 1 month"
        assert never["impact"] < -3 and never["label"] == "Timeline: no plans"
        assert timeline_impact(served, with_timeline(lead, "1_3_months")) is None


def occlusion_by_hand(result, lead) -> dict[str, float]:
    """Each feature's impact, one plain session.run per occluded copy of the lead."""
    session = runtime.session_load(result.onnx_bytes)
    feed = feature_matrix(result.spec, [lead])
    p = predict_probability(session, feed)[0]
    impacts = {}
    for feature in result.spec.features:
        base = result.baseline[feature.name]
        if feature.kind == CATEGORICAL:
            base = feature.category_code(base)
        elif base is None:
            base = np.nan
        occluded = {name: column.copy() for name, column in feed.items()}
        occluded[feature.name][0, 0] = base
        impacts[feature.name] = (p - predict_probability(session, occluded)[0]) * 100
    return impacts


def test_explanations_match_occlusion_done_by_hand(demo, served, demo_result):
    for lead in demo["leads"][:10] + stressed(demo["leads"][10:16]):
        by_hand = occlusion_by_hand(demo_result, lead)
        _, factors = served.score_explain(lead, top=100, min_impact=0.0)
        shown = {f["feature"]: f["impact"] for f in factors}
        for name, impact in by_hand.items():
            if name in shown:
                assert shown[name] == pytest.approx(impact, abs=0.06)
            else:  # the lead has the baseline value: nothing to explain
                assert impact == 0.0
        assert len(shown) >= 3


def test_explanations_name_values_in_the_questions_wording(demo, served):
    lead = stressed(demo["leads"][:1])[0]  # an unseen timeline, no role
    _, factors = served.score_explain(lead, top=100, min_impact=0.0)
    by_feature = {f["feature"]: f for f in factors}
    assert by_feature["q_timeline"]["label"] == "Timeline: other"
    assert by_feature["q_role"]["value"] == MISSING
    assert by_feature["q_role"]["label"] == "Your role: not answered"


def test_explanations_are_sorted_small_ones_dropped_and_json_ready(demo, served):
    for lead in demo["leads"][:20]:
        factors = served.explain(lead, top=5)
        impacts = [abs(f["impact"]) for f in factors]
        assert impacts == sorted(impacts, reverse=True)
        assert len(factors) <= 5 and all(i >= runtime.MIN_IMPACT for i in impacts)
        assert json.loads(json.dumps(factors)) == factors


def test_score_and_explanation_take_one_batched_run(demo, demo_result):
    session = CountingSession(runtime.session_load(demo_result.onnx_bytes))
    counted = runtime.ServedModel(
        session, demo_result.spec, demo_result.reference, demo_result.baseline
    )
    lead = demo["leads"][0]

    scored, factors = counted.score_explain(lead)

    assert session.runs == 1 and factors
    (plain,) = counted.score([lead])
    assert scored.score == plain.score
    assert scored.probability == pytest.approx(plain.probability, abs=1e-6)


def test_threads_scoring_at_once_each_get_their_own_answer(demo, served):
    leads = demo["leads"][:40]
    expected = [served.score_explain(lead) for lead in leads]

    def work(offset):
        order = leads[offset:] + leads[:offset]
        return [served.score_explain(lead) for _ in range(5) for lead in order]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(4)))
    for offset, got in enumerate(results):
        order = expected[offset:] + expected[:offset]
        assert got == order * 5


def test_a_served_model_is_parsed_once_from_stored_json(demo, served, demo_result):
    loads = []

    def loader():
        loads.append(1)
        return version_parts(demo_result)

    from_db = served_model_get(7, loader, sha256=demo_result.sha256, group="form-a")
    assert served_model_get(7, loader, sha256=demo_result.sha256, group="form-a") is from_db
    assert len(loads) == 1
    lead = demo["leads"][3]
    assert from_db.score_explain(lead) == served.score_explain(lead)


@pytest.mark.parametrize("kinds", [{"single_choice"}, {"number", "multiple_choice"}])
def test_a_form_with_one_kind_of_input_is_served(demo, kinds):
    questions = [q for q in demo["questions"] if q.kind in kinds]
    keys = {q.key for q in questions}
    leads = [
        {"answers": {k: v for k, v in lead["answers"].items() if k in keys}, "capture": {}}
        for lead in demo["leads"]
    ]
    result = train(
        **ENGINE_MINIMUM,
        spec_questions=questions,
        key_pages=[],
        leads=leads,
        outcomes=demo["outcomes"],
        times=demo["times"],
        algorithms=("logistic_regression",),
    )
    assert {f.kind for f in result.spec.features} == (
        {CATEGORICAL} if kinds == {"single_choice"} else {"numeric"}
    )
    served = served_model_build(
        onnx_bytes=result.onnx_bytes,
        spec=result.spec,
        reference=result.reference,
        baseline=result.baseline,
    )
    frame = feed_frame(feature_matrix(result.spec, leads[:30]))
    expected = result.model.predict_proba(frame)[:, 1]
    got = [served.score([lead])[0].probability for lead in leads[:30]]
    assert np.abs(np.array(got) - expected).max() < 1e-4
    scored, factors = served.score_explain(leads[0], top=50, min_impact=0.0)
    assert scored.probability == pytest.approx(got[0], abs=1e-6)
    assert factors and all(f["feature"] in result.spec.names for f in factors)
