import json
import math
import pickle

import numpy as np
import pytest

from scoring.features import (
    MISSING,
    OTHER,
    FeatureSpec,
    QuestionInput,
    email_domain_kind,
    feature_matrix,
    feature_spec_build,
    referrer_host,
)

TIMELINE = QuestionInput(
    "timeline",
    "Timeline",
    "single_choice",
    (("soon", "within 1 month"), ("later", "later"), ("never", "no plans")),
)
QUESTIONS = [
    TIMELINE,
    QuestionInput("size", "Company size", "number"),
    QuestionInput("topics", "Topics", "multiple_choice", (("a", "Alpha"), ("b", "Beta"))),
    QuestionInput("consent", "Keep me posted", "consent"),
    QuestionInput("company", "Company", "short_text"),
    QuestionInput("phone", "Phone", "phone"),
    QuestionInput("email", "E-mail", "email"),
    QuestionInput("campaign", "Campaign", "hidden"),
    QuestionInput("ignored", "Not scored", "dropdown", (("x", "X"),), feeds_score=False),
]


def lead(answers=None, **capture):
    return {"answers": answers or {}, "capture": capture}


def test_it_builds_one_feature_per_scoring_input_plus_capture_signals():
    spec = feature_spec_build(questions=QUESTIONS, key_pages=["/pricing", "/"])

    assert spec.names == [
        "q_timeline",
        "q_size",
        "q_topics__a",
        "q_topics__b",
        "q_consent",
        "q_company",
        "q_phone",
        "q_campaign",
        "email_domain_kind",
        "c_utm_source",
        "c_utm_medium",
        "c_referrer_host",
        "c_device",
        "c_seconds_to_complete",
        "c_page_views",
        "c_sessions",
        "c_days_since_first_visit",
        "page_pricing",
        "page_home",
    ]
    assert spec.feature("q_timeline").vocabulary == ("soon", "later", "never")
    assert spec.categorical_names == [
        "q_timeline",
        "q_campaign",
        "email_domain_kind",
        "c_utm_source",
        "c_utm_medium",
        "c_referrer_host",
        "c_device",
    ]


def test_names_are_valid_and_unique_even_for_awkward_keys():
    questions = [
        QuestionInput("What's your budget?", "Budget", "number"),
        QuestionInput("what s your budget", "Budget again", "number"),
    ]
    names = feature_spec_build(questions=questions).names[:2]

    assert names == ["q_what_s_your_budget", "q_what_s_your_budget_2"]


def test_the_feed_maps_values_into_the_vocabulary_with_other_and_missing():
    spec = feature_spec_build(questions=QUESTIONS, key_pages=["/pricing"])
    leads = [
        lead(
            {
                "timeline": "soon",
                "size": "250",
                "topics": ["b"],
                "consent": True,
                "company": "Acme",
                "email": "ann@acme.io",
            },
            utm_source="Google",
            referrer="https://www.news.example.com/a?b=c",
            device="mobile",
            page_views=7,
            key_pages=["/pricing/enterprise", "/blog"],
        ),
        lead({"timeline": "someday", "size": None, "email": "bob@gmail.com"}),
        lead(),
    ]
    feed = feature_matrix(spec, leads)

    assert set(feed) == set(spec.names)
    assert all(column.shape == (3, 1) for column in feed.values())
    assert feed["q_timeline"].dtype == np.int64
    assert feed["q_timeline"][:, 0].tolist() == [0, 3, 4]  # codes: vocabulary, other, missing
    assert categories(spec, feed, "q_timeline") == ["soon", OTHER, MISSING]
    assert feed["q_size"].dtype == np.float32
    assert feed["q_size"][0, 0] == 250 and math.isnan(feed["q_size"][1, 0])
    assert feed["q_topics__a"][:, 0].tolist() == [0, 0, 0]
    assert feed["q_topics__b"][:, 0].tolist() == [1, 0, 0]
    assert feed["q_consent"][:, 0].tolist() == [1, 0, 0]
    assert feed["q_company"][:, 0].tolist() == [1, 0, 0]
    assert categories(spec, feed, "email_domain_kind") == ["business", "free", "none"]
    # No rows: capture vocabularies are empty except the device's known values.
    assert categories(spec, feed, "c_utm_source") == [OTHER, MISSING, MISSING]
    assert categories(spec, feed, "c_device") == ["mobile", MISSING, MISSING]
    assert feed["c_page_views"][0, 0] == 7 and math.isnan(feed["c_page_views"][2, 0])
    assert feed["page_pricing"][:, 0].tolist() == [1, 0, 0]


def test_rows_teach_vocabularies_and_drop_constant_features():
    rows = [
        lead({"timeline": "soon", "campaign": "spring"}, utm_source="google") for _ in range(6)
    ] + [
        lead({"timeline": "later", "campaign": f"rare{i}"}, utm_source="LinkedIn") for i in range(6)
    ]
    spec = feature_spec_build(questions=QUESTIONS, rows=rows, min_category_count=5)

    # Constant across rows: consent (never given), every capture signal but utm_source, …
    assert spec.names == ["q_timeline", "q_campaign", "c_utm_source"]
    assert spec.feature("q_timeline").vocabulary == ("later", "soon")
    assert spec.feature("q_campaign").vocabulary == ("spring",)
    assert spec.feature("c_utm_source").vocabulary == ("google", "linkedin")
    feed = feature_matrix(spec, [lead({"campaign": "rare1"}), lead({"campaign": "spring"})])
    assert categories(spec, feed, "q_campaign") == [OTHER, "spring"]


def test_placeholder_categories_are_never_learned_as_values():
    rows = [lead({"campaign": "__other__"}) for _ in range(6)] + [
        lead({"campaign": "spring"}) for _ in range(6)
    ]
    spec = feature_spec_build(questions=QUESTIONS, rows=rows, min_category_count=5)
    campaign = spec.feature("q_campaign")

    assert campaign.vocabulary == ("spring",)
    assert campaign.categories == ("spring", OTHER, MISSING)
    assert [campaign.code(v) for v in ("spring", "__other__", "autumn", "", None)] == [
        0,
        1,
        1,
        2,
        2,
    ]
    assert [campaign.category_code(c) for c in campaign.categories] == [0, 1, 2]


def categories(spec, feed, name) -> list[str]:
    """The categories a categorical column's codes stand for."""
    return [spec.feature(name).categories[code] for code in feed[name][:, 0]]


def test_a_number_that_is_sometimes_missing_is_kept():
    rows = [lead({"size": 10}) for _ in range(5)] + [lead({"size": None})]
    spec = feature_spec_build(questions=QUESTIONS, rows=rows)

    assert "q_size" in spec.names


def test_the_spec_round_trips_through_json():
    rows = [lead({"timeline": t}, device="mobile") for t in ["soon", "later"] * 5]
    spec = feature_spec_build(questions=QUESTIONS, key_pages=["/demo"], rows=rows)

    restored = FeatureSpec.from_dict(json.loads(json.dumps(spec.to_dict())))

    assert restored == spec
    assert restored.feature("q_timeline").value_label("soon") == "Timeline: within 1 month"
    unpickled = pickle.loads(pickle.dumps(spec))
    assert unpickled == spec
    assert feature_matrix(unpickled, rows)["q_timeline"].tolist() == (
        feature_matrix(spec, rows)["q_timeline"].tolist()
    )


def test_value_labels_use_the_questions_wording():
    spec = feature_spec_build(questions=QUESTIONS, key_pages=["/pricing"])

    assert spec.feature("q_timeline").value_label("never") == "Timeline: no plans"
    assert spec.feature("q_timeline").value_label(MISSING) == "Timeline: not answered"
    assert spec.feature("q_timeline").value_label(OTHER) == "Timeline: other"
    assert spec.feature("q_topics__a").value_label(1.0) == "Topics: Alpha"
    assert spec.feature("q_topics__a").value_label(0.0) == "Topics: not Alpha"
    assert spec.feature("q_size").value_label(250.0) == "Company size: 250"
    assert spec.feature("q_size").value_label(math.nan) == "Company size: not answered"
    assert spec.feature("page_pricing").value_label(1.0) == "Visited /pricing: visited"
    assert spec.feature("email_domain_kind").value_label("free") == "E-mail domain: free mailbox"
    assert spec.feature("c_page_views").value_label(math.nan) == "Page views: unknown"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("ann@acme.io", "business"),
        ("Ann@GMAIL.com ", "free"),
        ("x@mail.yahoo.co.uk", "free"),
        ("x@googlemail.com", "free"),
        ("not an address", "none"),
        ("@acme.io", "none"),
        ("ann@localhost", "none"),
        (None, "none"),
        (42, "none"),
    ],
)
def test_email_domain_kind(address, kind):
    assert email_domain_kind(address) == kind


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.Google.com/search?q=1", "google.com"),
        ("http://news.example.org:8080/x", "news.example.org"),
        ("example.com/page", "example.com"),
        ("", ""),
        (None, ""),
        ("http://[broken", ""),
    ],
)
def test_referrer_host(url, host):
    assert referrer_host(url) == host


def test_unknown_question_kinds_are_refused():
    with pytest.raises(ValueError, match="unknown kind 'rating'"):
        feature_spec_build(questions=[QuestionInput("r", "Rate us", "rating")])
