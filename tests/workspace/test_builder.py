"""Building a form: questions of every kind, edits, order, removal and the form's settings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forms_app.models import Form, Lead, Question


def _keys(form: Form) -> list[str]:
    return list(form.questions.filter(archived=False).values_list("key", flat=True))


@pytest.mark.parametrize("kind", Question.Kind.values)
def test_a_question_of_every_kind_can_be_added(marketer_client, draft_form, kind):
    response = marketer_client.post(
        "/app/forms/pricing/questions/add/", {"kind": kind, "label": "Where did you hear of us?"}
    )
    question = draft_form.questions.get(label="Where did you hear of us?")
    assert question.kind == kind
    assert question.key == "where_did_you_hear_of_us"
    assert question.position == 3
    assert response["Location"] == f"/app/forms/pricing/?edit={question.pk}#question-{question.pk}"
    if kind in Question.CHOICE_KINDS:
        assert [c["label"] for c in question.choices] == ["Option 1", "Option 2"]
    if kind == Question.Kind.HIDDEN:
        assert question.url_parameter == "where_did_you_hear_of_us"


def test_an_unknown_kind_or_an_empty_label_is_refused(marketer_client, draft_form):
    response = marketer_client.post(
        "/app/forms/pricing/questions/add/", {"kind": "x", "label": "Q"}
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    response = marketer_client.post(
        "/app/forms/pricing/questions/add/", {"kind": "email", "label": "  "}
    )
    assert response.status_code == 422
    assert draft_form.questions.count() == 3


def _edit_timeline(client, timeline, labels):
    return client.post(
        f"/app/forms/pricing/questions/{timeline.pk}/",
        {
            "label": "When would you start?",
            "help_text": "Roughly is fine.",
            "required": "on",
            "feeds_score": "on",
            "step": 1,
            "choice_value": ["now", "later", ""],
            "choice_label": labels,
        },
    )


def test_relabelling_keeps_the_key_and_the_values_answers_use(marketer_client, draft_form):
    Lead.objects.create(form=draft_form, answers={"timeline": "later"}, created_at=timezone.now())
    timeline = draft_form.questions.get(key="timeline")
    response = _edit_timeline(
        marketer_client, timeline, ["This month", "After summer", "Next year"]
    )
    assert response.status_code == 302
    timeline.refresh_from_db()
    assert timeline.key == "timeline"
    assert timeline.label == "When would you start?"
    assert timeline.required and timeline.feeds_score
    assert timeline.choices == [
        {"value": "now", "label": "This month"},
        {"value": "later", "label": "After summer"},
        {"value": "next_year", "label": "Next year"},
    ]


def test_a_renamed_choice_nothing_uses_yet_takes_its_new_labels_value(marketer_client, draft_form):
    timeline = draft_form.questions.get(key="timeline")
    _edit_timeline(marketer_client, timeline, ["This month", "After summer", ""])
    timeline.refresh_from_db()
    # "now" is kept: the budget question's condition uses it.
    assert timeline.choices == [
        {"value": "now", "label": "This month"},
        {"value": "after_summer", "label": "After summer"},
    ]


def test_a_choice_question_without_choices_is_refused(marketer_client, draft_form):
    timeline = draft_form.questions.get(key="timeline")
    response = marketer_client.post(
        f"/app/forms/pricing/questions/{timeline.pk}/",
        {"label": "Timeline", "step": 1, "choice_value": ["now"], "choice_label": [""]},
    )
    assert response.status_code == 422
    assert "needs at least one choice" in response.content.decode()
    timeline.refresh_from_db()
    assert len(timeline.choices) == 2


def test_limits_are_checked(marketer_client, draft_form):
    budget = draft_form.questions.get(key="budget")
    response = marketer_client.post(
        f"/app/forms/pricing/questions/{budget.pk}/",
        {"label": "Budget", "step": 1, "min_value": 100, "max_value": 10},
    )
    assert response.status_code == 422
    assert "The maximum must be at least the minimum." in response.content.decode()

    response = marketer_client.post(
        f"/app/forms/pricing/questions/{budget.pk}/",
        {
            "label": "Budget",
            "step": 1,
            "min_value": 0,
            "max_value": 1000000,
            "condition_question": "timeline",
            "condition_values": ["timeline::now"],
        },
    )
    assert response.status_code == 302
    budget.refresh_from_db()
    assert (budget.min_value, budget.max_value) == (0, 1000000)


def test_a_hidden_field_needs_the_url_parameter_it_captures(marketer_client, draft_form):
    marketer_client.post("/app/forms/pricing/questions/add/", {"kind": "hidden", "label": "Ad"})
    hidden = draft_form.questions.get(kind="hidden")
    response = marketer_client.post(
        f"/app/forms/pricing/questions/{hidden.pk}/",
        {"label": "Ad", "step": 1, "url_parameter": "not a parameter!"},
    )
    assert response.status_code == 422
    assert "Name the URL parameter" in response.content.decode()


def test_utm_hidden_fields_are_added_once_and_capture_the_url(marketer_client, draft_form):
    marketer_client.post("/app/forms/pricing/questions/utm/")
    marketer_client.post("/app/forms/pricing/questions/utm/")
    hidden = draft_form.questions.filter(kind="hidden")
    assert sorted(hidden.values_list("url_parameter", flat=True)) == [
        "utm_campaign",
        "utm_content",
        "utm_medium",
        "utm_source",
        "utm_term",
    ]
    marketer_client.post("/app/forms/pricing/publish/")
    page = marketer_client.get("/f/pricing/?utm_campaign=spring").content.decode()
    assert 'value="spring"' in page


def test_buttons_move_a_question_up_and_down(marketer_client, draft_form):
    budget = draft_form.questions.get(key="budget")
    marketer_client.post(f"/app/forms/pricing/questions/{budget.pk}/move/", {"direction": "up"})
    assert _keys(draft_form) == ["work_e_mail", "budget", "timeline"]
    marketer_client.post(f"/app/forms/pricing/questions/{budget.pk}/move/", {"direction": "up"})
    marketer_client.post(f"/app/forms/pricing/questions/{budget.pk}/move/", {"direction": "up"})
    assert _keys(draft_form) == ["budget", "work_e_mail", "timeline"]
    marketer_client.post(f"/app/forms/pricing/questions/{budget.pk}/move/", {"direction": "down"})
    assert _keys(draft_form) == ["work_e_mail", "budget", "timeline"]


def test_a_reorder_sets_the_whole_order_and_bumps_the_revision(marketer_client, draft_form):
    ids = {q.key: q.pk for q in draft_form.questions.all()}
    revision = draft_form.revision
    response = marketer_client.post(
        "/app/forms/pricing/questions/reorder/",
        {"order": [ids["timeline"], ids["budget"], ids["work_e_mail"]]},
    )
    assert response.status_code == 204
    assert _keys(draft_form) == ["timeline", "budget", "work_e_mail"]
    draft_form.refresh_from_db()
    assert draft_form.revision > revision


def test_a_reorder_that_misses_a_question_is_refused(marketer_client, draft_form):
    ids = list(draft_form.questions.values_list("pk", flat=True))
    response = marketer_client.post("/app/forms/pricing/questions/reorder/", {"order": ids[:2]})
    assert response.status_code == 409
    assert "every question" in response.content.decode()
    response = marketer_client.post("/app/forms/pricing/questions/reorder/", {"order": ["x"]})
    assert response.status_code == 400
    assert _keys(draft_form) == ["work_e_mail", "timeline", "budget"]


def test_removing_an_unanswered_question_deletes_it(marketer_client, draft_form):
    budget = draft_form.questions.get(key="budget")
    response = marketer_client.post(
        f"/app/forms/pricing/questions/{budget.pk}/remove/", follow=True
    )
    assert "nobody had answered it" in response.content.decode()
    assert not Question.objects.filter(pk=budget.pk).exists()


def test_removing_an_answered_question_keeps_its_answers_and_can_be_undone(
    marketer_client, draft_form
):
    Lead.objects.create(form=draft_form, answers={"timeline": "now"}, created_at=timezone.now())
    timeline = draft_form.questions.get(key="timeline")
    response = marketer_client.post(
        f"/app/forms/pricing/questions/{timeline.pk}/remove/", follow=True
    )
    page = response.content.decode()
    assert "Its 1 answer is kept with the leads" in page
    assert "Removed questions" in page
    timeline.refresh_from_db()
    assert timeline.archived
    assert Lead.objects.get().answers == {"timeline": "now"}
    assert _keys(draft_form) == ["work_e_mail", "budget"]

    marketer_client.post(f"/app/forms/pricing/questions/{timeline.pk}/restore/")
    assert _keys(draft_form) == ["work_e_mail", "budget", "timeline"]


def test_a_new_question_never_reuses_a_removed_questions_key(marketer_client, draft_form):
    Lead.objects.create(form=draft_form, answers={"timeline": "now"}, created_at=timezone.now())
    timeline = draft_form.questions.get(key="timeline")
    marketer_client.post(f"/app/forms/pricing/questions/{timeline.pk}/remove/")
    marketer_client.post(
        "/app/forms/pricing/questions/add/", {"kind": "email", "label": "Timeline"}
    )
    assert draft_form.questions.get(archived=False, label="Timeline").key == "timeline_2"


def test_the_builder_costs_the_same_queries_for_many_questions(
    marketer_client, draft_form, django_assert_max_num_queries
):
    for n in range(20):
        Question.objects.create(form=draft_form, label=f"Question {n}", kind="short_text")
    archived = draft_form.questions.get(label="Question 0")
    archived.archived = True
    archived.save()
    with django_assert_max_num_queries(8):
        response = marketer_client.get(f"/app/forms/pricing/?edit={archived.pk + 1}")
    assert response.status_code == 200


def test_settings_are_saved(marketer_client, draft_form):
    response = marketer_client.post(
        "/app/forms/pricing/settings/",
        {
            "name": "Talk to sales",
            "slug": "talk-to-sales",
            "description": "",
            "submit_label": "Send",
            "accent_color": "#0f766e",
            "conversion_definition": "won",
            "thank_you_message": "Thanks!",
            "sales_ready_message": "Book a call.",
            "marketing_qualified_message": "Read this.",
            "nurture_message": "",
            "booking_url": "https://cal.example.com/sales",
            "allowed_sites": "https://www.example.com/\nhttps://shop.example.com",
            "key_pages": "/pricing\n/demo",
        },
    )
    assert response.status_code == 302
    form = Form.objects.get()
    assert (form.name, form.slug, form.conversion_definition) == (
        "Talk to sales",
        "talk-to-sales",
        "won",
    )
    assert form.allowed_sites == ["https://www.example.com", "https://shop.example.com"]
    assert form.key_pages == ["/pricing", "/demo"]
    assert form.sales_ready_message == "Book a call."


def _settings(**changes):
    return {
        "name": "Pricing request",
        "slug": "pricing",
        "submit_label": "Send",
        "accent_color": "#4338ca",
        "conversion_definition": "qualified",
        "thank_you_message": "Thanks!",
        **changes,
    }


def test_bad_settings_are_explained(marketer_client, draft_form):
    response = marketer_client.post(
        "/app/forms/pricing/settings/",
        _settings(allowed_sites="example.com", key_pages="pricing", accent_color="red"),
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "“example.com” is not an origin" in page
    assert "“pricing” is not a path" in page
    assert "Use a colour like #4338ca." in page


def test_the_address_cannot_change_once_the_form_has_leads(marketer_client, draft_form):
    Lead.objects.create(form=draft_form, created_at=timezone.now() - timedelta(days=1))
    response = marketer_client.post("/app/forms/pricing/settings/", _settings(slug="new-address"))
    assert response.status_code == 422
    assert "already has leads, so its address stays /f/pricing/" in response.content.decode()
    assert Form.objects.get().slug == "pricing"
