"""The one submission check, entry point by entry point: which checks each runs, and that every
entry point judges answers alike, in the same words."""

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from forms_app.capture.checks import (
    FORM_PAGE,
    HEADLESS_FORM,
    TOKEN_API,
    CheckedSubmission,
    Refusal,
    Sender,
    StepBack,
    Submitted,
    submission_check,
)
from forms_app.capture.tokens import form_token_issue
from forms_app.models import Lead, SpamRefusal
from tests.helpers.answers import GOOD_ANSWERS, KEEN_DEMO_ANSWERS
from tests.helpers.submit import hidden_inputs, send, submit

SITE = "https://www.example.com"
A_PROSPECT = Sender(address="203.0.113.7", origin=SITE)
A_BOT_ELSEWHERE = Sender(address="198.51.100.66", origin="https://evil.example")
ON_THE_FORM_PAGE = Sender(
    address="203.0.113.8", origin="http://testserver", own_origins=frozenset({"http://testserver"})
)


@pytest.fixture
def site_form(demo_form):
    demo_form.allowed_sites = [SITE]
    demo_form.save()
    return demo_form


def check(form, checks, sender=A_PROSPECT, **submitted):
    return submission_check(
        form=form, sender=sender, read=lambda: Submitted(**submitted), checks=checks
    )


def counted(form) -> dict[str, int]:
    return {r.reason: r.count for r in SpamRefusal.objects.filter(form=form)}


def test_the_token_api_takes_answers_without_a_form_token_a_honeypot_or_time_to_fill(
    site_form, settings
):
    settings.FORMSCORE_MIN_FILL_SECONDS = 60

    checked = check(site_form, TOKEN_API, answers=KEEN_DEMO_ANSWERS, honeypot="http://x.example")

    assert isinstance(checked, CheckedSubmission)
    assert checked.answers["company"] == "Northwind" and checked.token is None
    assert counted(site_form) == {}


def test_the_headless_form_refuses_the_same_answers_without_a_token_and_counts_it(site_form):
    refused = check(site_form, HEADLESS_FORM, answers=KEEN_DEMO_ANSWERS)

    assert isinstance(refused, Refusal) and refused.status == 400
    assert refused.errors == {
        "token": ["The form token is missing. Reload the page and submit again."]
    }
    assert counted(site_form) == {"token": 1}


def test_with_a_token_the_headless_form_still_refuses_a_honeypot_and_a_hasty_fill(
    site_form, settings
):
    token = form_token_issue(form_id=site_form.pk)
    bot = check(site_form, HEADLESS_FORM, answers=KEEN_DEMO_ANSWERS, token=token, honeypot="x")
    settings.FORMSCORE_MIN_FILL_SECONDS = 60
    hasty = check(site_form, HEADLESS_FORM, answers=KEEN_DEMO_ANSWERS, token=token)

    assert (bot.reason, bot.status) == (SpamRefusal.Reason.HONEYPOT, 400)
    assert (hasty.reason, hasty.status) == (SpamRefusal.Reason.TOO_FAST, 400)
    assert counted(site_form) == {"honeypot": 1, "too_fast": 1}


def test_the_token_api_is_held_neither_to_the_rate_limit_nor_to_the_allowed_sites(
    site_form, settings
):
    settings.FORMSCORE_RATE_LIMIT = 1
    for _ in range(3):
        checked = check(site_form, TOKEN_API, sender=A_BOT_ELSEWHERE, answers=KEEN_DEMO_ANSWERS)
        assert isinstance(checked, CheckedSubmission)

    token = form_token_issue(form_id=site_form.pk)
    first = check(site_form, HEADLESS_FORM, sender=A_BOT_ELSEWHERE, token=token, answers={})
    second = check(site_form, HEADLESS_FORM, sender=A_BOT_ELSEWHERE, token=token, answers={})
    assert (first.reason, first.status) == (SpamRefusal.Reason.ORIGIN, 403)
    assert (second.reason, second.status) == (SpamRefusal.Reason.RATE_LIMIT, 429)


def test_a_browsers_body_is_read_only_once_the_rate_limit_and_the_origin_let_it_through(
    site_form,
):
    reads = []

    def read() -> Submitted:
        reads.append("read")
        return Submitted(answers={})

    refused = submission_check(
        form=site_form, sender=A_BOT_ELSEWHERE, read=read, checks=HEADLESS_FORM
    )

    assert refused.reason == SpamRefusal.Reason.ORIGIN and reads == []


def test_the_form_page_judges_a_step_and_the_earlier_ones_but_not_the_later_ones(trial_form):
    token = form_token_issue(form_id=trial_form.pk)
    step_1 = {"work_e_mail": "ada@engines.example", "your_name": "Ada"}

    checked = check(trial_form, FORM_PAGE, ON_THE_FORM_PAGE, answers=step_1, token=token, step="1")

    assert isinstance(checked, CheckedSubmission)
    assert checked.step.number == 1 and not checked.step.is_last
    assert checked.answers == step_1


def test_going_back_a_step_judges_nothing(trial_form, settings):
    settings.FORMSCORE_MIN_FILL_SECONDS = 60
    token = form_token_issue(form_id=trial_form.pk)

    back = check(
        trial_form,
        FORM_PAGE,
        ON_THE_FORM_PAGE,
        answers={"work_e_mail": "nope"},
        token=token,
        step="2",
        back=True,
    )

    assert isinstance(back, StepBack) and back.step.number == 1
    assert counted(trial_form) == {}


def test_an_unknown_step_is_refused_and_not_counted_as_spam(trial_form):
    token = form_token_issue(form_id=trial_form.pk)

    refused = check(trial_form, FORM_PAGE, ON_THE_FORM_PAGE, answers={}, token=token, step="7")

    assert (refused.status, refused.message) == (400, "_fs_step: not a step of this form.")
    assert counted(trial_form) == {}


def _marketer_api() -> APIClient:
    morgan = User.objects.create_user("morgan", first_name="Morgan", last_name="Marketer")
    morgan.groups.add(Group.objects.get_or_create(name="marketer")[0])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=morgan).key}")
    return api


@pytest.mark.parametrize(
    ("key", "answer", "message"),
    [
        ("company", "x" * 300, "Ensure this value has at most 255 characters (it has 300)."),
        ("work_email", "not-an-address", "Enter a valid email address."),
        (
            "company_size",
            "gigantic",
            "Select a valid choice. gigantic is not one of the available choices.",
        ),
    ],
    ids=["too-long", "not-an-email", "not-a-choice"],
)
def test_every_entry_point_refuses_a_bad_answer_in_the_form_pages_words(
    client, demo_form, key, answer, message
):
    page = submit(client, "demo", {**GOOD_ANSWERS, key: answer})
    token = form_token_issue(form_id=demo_form.pk)
    headless = APIClient().post(
        "/api/v1/public/forms/demo/submissions",
        {"token": token, "answers": {**KEEN_DEMO_ANSWERS, key: answer}},
        format="json",
    )
    token_api = _marketer_api().post(
        "/api/v1/forms/demo/leads", {"answers": {**KEEN_DEMO_ANSWERS, key: answer}}, format="json"
    )

    assert page.status_code == 422 and message in page.content.decode()
    assert headless.status_code == 400 and headless.json() == {"answers": {key: [message]}}
    assert token_api.status_code == 400 and token_api.json() == {"answers": {key: [message]}}
    assert Lead.objects.count() == 0


def test_a_tampered_hidden_answer_of_no_shown_step_keeps_the_prospect_on_their_step(
    client, make_form
):
    make_form(
        ("Work e-mail", "email", {"required": True, "step": 1}),
        ("Your name", "short_text", {"required": True, "step": 2}),
        ("Campaign", "hidden", {"url_parameter": "utm_campaign", "step": 7}),
        slug="webinar",
    )
    step_1 = client.get("/f/webinar/?utm_campaign=autumn")
    tampered = {"work_e_mail": "ada@engines.example", "campaign": "x" * 600}

    response = send(client, "webinar", step_1, tampered)

    assert response.status_code == 422
    assert "Step 1 of 2" in response.content.decode()
    assert hidden_inputs(response)["_fs_step"] == ["1"]
    assert Lead.objects.count() == 0
