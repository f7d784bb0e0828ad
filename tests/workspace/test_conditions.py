"""Conditional questions: set in the builder, enforced on the server at submit."""

import pytest

from forms_app.capture.answer_form import form_class_for
from forms_app.models import Form, Lead, Question


@pytest.fixture
def published(draft_form) -> Form:
    draft_form.status = Form.Status.PUBLISHED
    draft_form.save()
    return draft_form


def _answers(form: Form, data: dict):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    answer_form = form_class_for(form)(query)
    return answer_form.is_valid(), answer_form


def test_a_question_whose_condition_is_met_is_required(published):
    valid, answer_form = _answers(published, {"work_e_mail": "a@b.example", "timeline": "now"})
    assert not valid
    assert answer_form.errors["budget"] == ["This field is required."]


def test_a_hidden_question_is_not_required_and_its_stale_answer_is_dropped(published):
    valid, answer_form = _answers(
        published, {"work_e_mail": "a@b.example", "timeline": "later", "budget": "50000"}
    )
    assert valid
    assert answer_form.answers() == {"work_e_mail": "a@b.example", "timeline": "later"}


def test_an_invalid_stale_answer_of_a_hidden_question_does_not_block_the_submit(published):
    valid, answer_form = _answers(published, {"work_e_mail": "a@b.example", "budget": "lots"})
    assert valid
    assert "budget" not in answer_form.answers()


def test_a_question_that_depends_on_a_hidden_one_is_hidden_too(published):
    budget = published.questions.get(key="budget")
    budget.kind, budget.choices, budget.required = "dropdown", [{"label": "Big"}], False
    budget.save()
    Question.objects.create(
        form=published,
        label="Approver",
        kind="short_text",
        required=True,
        position=3,
        condition={"question": "budget", "values": ["big"]},
    )
    published.refresh_from_db()
    valid, answer_form = _answers(
        published, {"work_e_mail": "a@b.example", "timeline": "later", "budget": "big"}
    )
    assert valid
    assert set(answer_form.answers()) == {"work_e_mail", "timeline"}


def test_a_multiple_choice_condition_matches_any_selected_value(published):
    timeline = published.questions.get(key="timeline")
    timeline.kind = "multiple_choice"
    timeline.save()
    published.refresh_from_db()
    valid, answer_form = _answers(
        published, {"work_e_mail": "a@b.example", "timeline": ["later", "now"]}
    )
    assert not valid
    assert "budget" in answer_form.errors


def test_the_fields_carry_their_condition_for_the_page(published):
    fields = form_class_for(published).base_fields
    assert fields["budget"].condition == {"question": "timeline", "values": ["now"]}
    assert fields["timeline"].condition is None


def test_a_real_submit_does_not_store_the_hidden_answer(client, published):
    page = client.get("/f/pricing/").content.decode()
    token = page.split('name="_fs_token" value="')[1].split('"')[0]
    client.post(
        "/f/pricing/",
        {
            "_fs_token": token,
            "work_e_mail": "a@b.example",
            "timeline": "later",
            "budget": "900",
        },
    )
    assert Lead.objects.get().answers == {"work_e_mail": "a@b.example", "timeline": "later"}


def _edit(client, question, **data):
    return client.post(
        f"/app/forms/pricing/questions/{question.pk}/",
        {"label": question.label, "step": 1, **data},
    )


def test_a_condition_is_set_and_cleared_in_the_builder(marketer_client, draft_form):
    budget = draft_form.questions.get(key="budget")
    _edit(
        marketer_client,
        budget,
        condition_question="timeline",
        condition_values=["timeline::now", "timeline::later"],
    )
    budget.refresh_from_db()
    assert budget.condition == {"question": "timeline", "values": ["now", "later"]}
    page = marketer_client.get("/app/forms/pricing/").content.decode()
    assert "Shown when Timeline is Right now or Later this year" in page

    _edit(marketer_client, budget, condition_question="")
    budget.refresh_from_db()
    assert budget.condition is None


def test_a_condition_needs_a_value(marketer_client, draft_form):
    budget = draft_form.questions.get(key="budget")
    response = _edit(marketer_client, budget, condition_question="timeline")
    assert response.status_code == 422
    assert "Pick at least one answer of “Timeline”" in response.content.decode()


def test_a_hand_posted_value_that_is_not_a_choice_is_refused_naming_the_choices(
    marketer_client, draft_form
):
    budget = draft_form.questions.get(key="budget")
    response = _edit(
        marketer_client,
        budget,
        condition_question="timeline",
        condition_values=["timeline::now", "timeline::soon"],
    )
    assert response.status_code == 422
    assert (
        "“Timeline” has no choice “soon”; pick from “Right now” or “Later this year”."
        in response.content.decode()
    )
    budget.refresh_from_db()
    assert budget.condition == {"question": "timeline", "values": ["now"]}


def test_a_condition_must_depend_on_an_earlier_choice_question(marketer_client, draft_form):
    email = draft_form.questions.get(key="work_e_mail")
    response = _edit(
        marketer_client, email, condition_question="timeline", condition_values=["timeline::now"]
    )
    assert response.status_code == 422
    assert "comes after this question" in response.content.decode()

    budget = draft_form.questions.get(key="budget")
    response = _edit(
        marketer_client,
        budget,
        condition_question="work_e_mail",
        condition_values=["work_e_mail::x"],
    )
    assert response.status_code == 422
    assert "must depend on a choice question" in response.content.decode()


def test_the_builder_warns_when_a_reorder_puts_the_condition_after_its_question(
    marketer_client, draft_form
):
    budget = draft_form.questions.get(key="budget")
    marketer_client.post(f"/app/forms/pricing/questions/{budget.pk}/move/", {"direction": "up"})
    page = marketer_client.get("/app/forms/pricing/").content.decode()
    assert "“Timeline” now comes after it; move this question below." in page
