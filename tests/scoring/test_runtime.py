import copy
import hashlib
import json

import numpy as np
import pytest

from scoring import runtime
from scoring.features import feature_matrix
from scoring.onnx_export import feed_frame
from scoring.runtime import (
    ModelIntegrityError,
    percentile_score,
    score,
    score_explain,
    session_cache_keys,
    session_forget,
    session_get,
    tier_for,
)

REFERENCE = [i / 1000 for i in range(1001)]  # quantiles of a uniform distribution


@pytest.fixture(autouse=True)
def empty_cache():
    session_forget()
    yield
    session_forget()


class CountingSession:
    """A real onnxruntime session that counts its run() calls."""

    def __init__(self, session):
        self.session, self.runs = session, 0

    def run(self, *args, **kwargs):
        self.runs += 1
        return self.session.run(*args, **kwargs)


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


def test_sessions_load_once_per_version_and_keep_the_newest_per_group(demo_result):
    loads = []

    def loader():
        loads.append(1)
        return demo_result.onnx_bytes

    sha = demo_result.sha256
    first = session_get(1, loader, sha256=sha, group="form-a")
    again = session_get(1, loader, sha256=sha, group="form-a")
    assert first is again and len(loads) == 1

    newer = session_get(2, loader, sha256=sha, group="form-a")
    other_form = session_get(3, loader, sha256=sha, group="form-b")
    assert newer is not first and len(loads) == 3
    assert sorted(session_cache_keys()) == [(2, sha), (3, sha)]

    assert session_forget(group="form-b") == 1
    assert session_cache_keys() == [(2, sha)]
    assert other_form is not None


def test_bytes_that_do_not_match_the_sha256_are_refused(demo_result):
    with pytest.raises(ModelIntegrityError):
        session_get(9, lambda: demo_result.onnx_bytes + b"x", sha256=demo_result.sha256)
    assert session_cache_keys() == []


def test_scores_come_from_the_onnx_model(demo, demo_result):
    session = session_get("v", lambda: demo_result.onnx_bytes)
    leads = demo["leads"][:50]

    scored = score(session, demo_result.spec, demo_result.reference, leads)

    frame = feed_frame(feature_matrix(demo_result.spec, leads))
    expected = demo_result.model.predict_proba(frame)[:, 1]
    assert np.abs([s.probability for s in scored] - expected).max() < 1e-4
    assert all(0 <= s.score <= 100 and isinstance(s.score, int) for s in scored)
    assert score(session, demo_result.spec, demo_result.reference, []) == []


def with_timeline(lead, timeline):
    changed = copy.deepcopy(lead)
    changed["answers"]["timeline"] = timeline
    return changed


def timeline_impact(demo_result, lead):
    session = session_get("v", lambda: demo_result.onnx_bytes)
    _, factors = score_explain(
        session, demo_result.spec, demo_result.reference, demo_result.baseline, lead, top=50
    )
    return {f["feature"]: f for f in factors}.get("q_timeline")


def test_explanations_carry_the_planted_effects_with_their_sign(demo, demo_result):
    assert demo_result.baseline["q_timeline"] == "1_3_months"
    for lead in demo["leads"][:20]:
        soon = timeline_impact(demo_result, with_timeline(lead, "within_1_month"))
        never = timeline_impact(demo_result, with_timeline(lead, "no_plans"))
        assert soon["impact"] > 3 and soon["label"] == "Timeline: within 1 month"
        assert never["impact"] < -3 and never["label"] == "Timeline: no plans"
        assert timeline_impact(demo_result, with_timeline(lead, "1_3_months")) is None


def test_explanations_are_sorted_small_ones_dropped_and_json_ready(demo, demo_result):
    session = session_get("v", lambda: demo_result.onnx_bytes)
    for lead in demo["leads"][:20]:
        factors = runtime.explain(
            session, demo_result.spec, demo_result.reference, demo_result.baseline, lead, top=5
        )
        impacts = [abs(f["impact"]) for f in factors]
        assert impacts == sorted(impacts, reverse=True)
        assert len(factors) <= 5 and all(i >= runtime.MIN_IMPACT for i in impacts)
        assert json.loads(json.dumps(factors)) == factors


def test_score_and_explanation_take_one_batched_run(demo, demo_result):
    session = CountingSession(session_get("v", lambda: demo_result.onnx_bytes))
    lead = demo["leads"][0]

    scored, _ = score_explain(
        session, demo_result.spec, demo_result.reference, demo_result.baseline, lead
    )

    assert session.runs == 1
    plain = score(session.session, demo_result.spec, demo_result.reference, [lead])[0]
    assert scored.score == plain.score
    assert scored.probability == pytest.approx(plain.probability, abs=1e-6)


def test_a_served_model_is_parsed_once_and_scores_like_the_functions(demo, demo_result):
    loads = []

    def loader():
        loads.append(1)
        return {
            "onnx_bytes": demo_result.onnx_bytes,
            "spec": json.loads(json.dumps(demo_result.spec.to_dict())),
            "reference": demo_result.reference,
            "baseline": json.loads(json.dumps(demo_result.baseline)),
        }

    sha = hashlib.sha256(demo_result.onnx_bytes).hexdigest()
    served = runtime.served_model_get(7, loader, sha256=sha, group="form-a")
    assert runtime.served_model_get(7, loader, sha256=sha, group="form-a") is served
    assert len(loads) == 1

    lead = demo["leads"][3]
    session = session_get("v", lambda: demo_result.onnx_bytes)
    expected = score_explain(
        session, demo_result.spec, demo_result.reference, demo_result.baseline, lead
    )
    assert served.score_explain(lead) == expected
    (plain,) = served.score([lead])
    # A one-row run and a batched run may differ in the last float32 bit.
    assert plain.probability == pytest.approx(expected[0].probability, abs=1e-6)
