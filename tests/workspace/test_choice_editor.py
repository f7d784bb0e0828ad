"""The choice editor for real lists: paste many at once, reorder, change the kind answers allow."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from forms_app.models import Lead, Question, RoutingRule
from forms_app.workspace.question_kinds import kind_changes, question_kind_change
from scoring.models import PointsRule

TWELVE = [
    "Agriculture",
    "Construction",
    "Education",
    "Energy",
    "Finance",
    "Healthcare",
    "Hospitality",
    "Logistics",
    "Manufacturing",
    "Media",
    "Public sector",
    "Software / SaaS",
]


def _answered(form, key, *values):
    Lead.objects.bulk_create(
        Lead(form=form, answers={key: value}, capture={}, created_at=timezone.now())
        for value in values
    )


def _answers(form, key) -> list:
    return [lead.answers[key] for lead in Lead.objects.filter(form=form).order_by("pk")]


def _save_timeline(client, timeline, *, labels=("Right now", "Later this year"), text=""):
    return client.post(
        f"/app/forms/pricing/questions/{timeline.pk}/",
        {
            "label": "Timeline",
            "step": 1,
            "choice_value": ["now", "later"],
            "choice_label": list(labels),
            "choices_text": text,
        },
    )


# Paste many at once


def test_twelve_pasted_choices_are_added_in_one_save_in_their_order(marketer_client, draft_form):
    timeline = draft_form.questions.get(key="timeline")
    pasted = "\n".join(TWELVE[:6]) + "\n\n   \n" + "\r\n".join(TWELVE[6:]) + "\n"

    response = _save_timeline(marketer_client, timeline, text=pasted)

    assert response.status_code == 302
    timeline.refresh_from_db()
    assert [c["label"] for c in timeline.choices] == ["Right now", "Later this year", *TWELVE]
    # Existing values stay; new ones are slugged from their labels.
    assert [c["value"] for c in timeline.choices[:3]] == ["now", "later", "agriculture"]
    assert timeline.choices[-1] == {"value": "software_saas", "label": "Software / SaaS"}


def test_duplicates_are_refused_naming_them_and_the_paste_is_kept(marketer_client, draft_form):
    timeline = draft_form.questions.get(key="timeline")

    response = _save_timeline(marketer_client, timeline, text="Soon\nright now\nNever\nsoon")

    assert response.status_code == 422
    page = response.content.decode()
    assert "Each choice once, please: “right now” and “soon” are there twice." in page
    assert "Soon\nright now\nNever\nsoon</textarea>" in page
    timeline.refresh_from_db()
    assert len(timeline.choices) == 2


def test_a_choice_typed_again_in_another_case_keeps_its_stored_value(marketer_client, draft_form):
    _answered(draft_form, "timeline", "now")
    timeline = draft_form.questions.get(key="timeline")

    _save_timeline(marketer_client, timeline, labels=("", "Later this year"), text="RIGHT NOW")

    timeline.refresh_from_db()
    assert timeline.choices == [
        {"value": "later", "label": "Later this year"},
        {"value": "now", "label": "RIGHT NOW"},
    ]


# Reorder


def test_a_choice_moves_up_and_down_without_retyping(marketer_client, draft_form):
    timeline = draft_form.questions.get(key="timeline")
    url = f"/app/forms/pricing/questions/{timeline.pk}/choices/move/"

    response = marketer_client.post(url, {"move": "later:up"})

    assert response["Location"] == (
        f"/app/forms/pricing/?edit={timeline.pk}#question-{timeline.pk}"
    )
    timeline.refresh_from_db()
    assert [c["value"] for c in timeline.choices] == ["later", "now"]
    marketer_client.post(url, {"move": "later:up"}, headers={"HX-Request": "true"})  # at the top
    timeline.refresh_from_db()
    assert [c["value"] for c in timeline.choices] == ["later", "now"]
    assert marketer_client.post(url, {"move": "never:up"}).status_code == 400
    assert marketer_client.post(url, {"move": "later:sideways"}).status_code == 400


def test_the_editor_offers_the_move_buttons_the_paste_box_and_the_kinds(
    marketer_client, draft_form
):
    timeline = draft_form.questions.get(key="timeline")
    page = marketer_client.get(f"/app/forms/pricing/?edit={timeline.pk}").content.decode()
    assert 'aria-label="Move “Later this year” up"' in page
    assert 'form="choice-moves" name="move" value="now:down"' in page
    assert "Add choices, one a line" in page
    assert '<option value="dropdown">Dropdown</option>' in page
    assert '<option value="multiple_choice">Multiple choice</option>' in page


# Change the kind


def test_choice_kinds_change_into_each_other_and_answers_follow(draft_form):
    _answered(draft_form, "timeline", "now", "later", None)
    timeline = draft_form.questions.get(key="timeline")

    change = question_kind_change(question=timeline, kind="multiple_choice", actor=None)

    assert change.answers_converted == 2
    assert _answers(draft_form, "timeline") == [["now"], ["later"], None]
    question_kind_change(question=timeline, kind="dropdown")
    assert _answers(draft_form, "timeline") == ["now", "later", None]
    timeline.refresh_from_db()
    assert timeline.kind == "dropdown" and [c["value"] for c in timeline.choices] == [
        "now",
        "later",
    ]


def test_several_picked_choices_refuse_a_single_choice_kind(make_form):
    form = make_form(("Tools", "multiple_choice", {"choices": ["Slack", "Jira", "Figma"]}))
    _answered(form, "tools", ["slack", "jira"], ["figma"], ["slack", "figma"])
    tools = form.questions.get()

    with pytest.raises(ValidationError) as error:
        question_kind_change(question=tools, kind="single_choice")

    assert error.value.message_dict["kind"] == [
        "2 answers picked several choices (Slack + Jira; Slack + Figma); a single choice"
        " question holds one."
    ]
    tools.refresh_from_db()
    assert tools.kind == "multiple_choice"
    assert _answers(form, "tools")[1] == ["figma"]  # nothing converted


def test_short_text_becomes_a_dropdown_of_its_answers(make_form):
    form = make_form(("Company", "short_text", {"max_length": 80}))
    _answered(form, "company", "Acme", " acme ", "Globex", "", "Initech")
    company = form.questions.get()

    change = question_kind_change(question=company, kind="dropdown")

    company.refresh_from_db()
    assert company.choices == [
        {"value": "acme", "label": "Acme"},
        {"value": "globex", "label": "Globex"},
        {"value": "initech", "label": "Initech"},
    ]
    assert company.max_length is None
    assert _answers(form, "company") == ["acme", "acme", "globex", None, "initech"]
    assert (change.answers_converted, change.choices_made) == (5, 3)


def test_short_text_becomes_a_number_only_when_every_answer_is_one(make_form):
    form = make_form(("Seats", "short_text", {}))
    _answered(form, "seats", "12", " 7 ", "ten", "n/a", "2.5", "")
    seats = form.questions.get()

    with pytest.raises(ValidationError) as error:
        question_kind_change(question=seats, kind="number")
    assert error.value.message_dict["kind"] == [
        "2 answers are not numbers: “ten”, “n/a”. Correct or remove them first."
    ]

    Lead.objects.filter(answers__seats__in=["ten", "n/a"]).delete()
    question_kind_change(question=seats, kind="number")
    assert _answers(form, "seats") == [12, 7, 2.5, None]
    question_kind_change(question=seats, kind="short_text")
    assert _answers(form, "seats") == ["12", "7", "2.5", None]


def test_a_change_that_would_break_rules_is_refused_naming_them(make_form):
    form = make_form(("Company", "short_text", {}))
    PointsRule.objects.create(
        form=form, source="answer", key="company", operator="equals", value="Acme", points=10
    )
    RoutingRule.objects.create(
        form=form,
        name="Acme to Sam",
        position=1,
        conditions=[{"source": "answer", "key": "company", "operator": "equals", "value": "Acme"}],
    )
    company = form.questions.get()

    with pytest.raises(ValidationError) as error:
        question_kind_change(question=company, kind="dropdown")

    assert error.value.message_dict["kind"] == [
        "“Company” is used by the points rule “Company is Acme” and the routing rule “Acme to"
        " Sam”, which would not hold for a dropdown question; change or remove them first."
    ]


def test_a_change_with_no_way_to_convert_is_refused(draft_form):
    email = draft_form.questions.get(key="work_e_mail")
    assert kind_changes("email") == []
    with pytest.raises(ValidationError, match="An e-mail question cannot become a number"):
        question_kind_change(question=email, kind="number")
    timeline = draft_form.questions.get(key="timeline")
    with pytest.raises(ValidationError) as error:
        question_kind_change(question=timeline, kind="number")
    assert error.value.message_dict["kind"] == [
        "A single choice question cannot become a number question: it can become dropdown or"
        " multiple choice."
    ]


def test_the_kind_is_changed_from_the_editor(marketer_client, draft_form):
    _answered(draft_form, "timeline", "now")
    timeline = draft_form.questions.get(key="timeline")
    url = f"/app/forms/pricing/questions/{timeline.pk}/kind/"

    page = marketer_client.post(url, {"kind": "multiple_choice"}, follow=True).content.decode()

    assert "“Timeline” is now multiple choice; 1 stored answer was converted." in page
    assert Question.objects.get(pk=timeline.pk).kind == "multiple_choice"
    page = marketer_client.post(url, {"kind": "number"}, follow=True).content.decode()
    assert "“Timeline” stays multiple choice: A multiple choice question cannot become" in page
