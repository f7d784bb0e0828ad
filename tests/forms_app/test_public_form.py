"""A prospect fills the public form over real HTTP requests against the real database."""

import re

import pytest

from forms_app.capture.tokens import form_token_issue
from forms_app.models import Form, Lead
from tests.helpers.answers import GOOD_ANSWERS
from tests.helpers.submit import submit, token_from


def test_the_form_page_shows_every_question_with_its_label(client, demo_form):
    response = client.get("/f/demo/")
    assert response.status_code == 200
    html = response.content.decode()
    for question in demo_form.questions.all():
        assert question.label in html
    assert '<label class="field-label" for="id_work_email">' in html
    assert 'aria-describedby="id_work_email_help"' in html


def test_required_questions_say_so_to_screen_readers_without_being_invalid_before_an_answer(
    client, demo_form
):
    html = client.get("/f/demo/").content.decode()
    assert '<fieldset role="radiogroup" aria-required="true"' in html  # timeline
    assert '<input type="checkbox" name="consent" id="id_consent" aria-required="true"' in html
    select = re.search(r'<select name="company_size"[^>]*>', html).group(0)
    assert 'aria-required="true"' in select
    # A native `required` makes the browser call the untouched "Choose…" invalid on load.
    assert " required" not in select
    assert "aria-invalid" not in html


def test_submitting_stores_the_lead_with_answers_under_stable_keys(client, demo_form):
    response = submit(client, "demo", GOOD_ANSWERS, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile")

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/f/demo/next/{lead.public_id}/"
    assert lead.answers == {**GOOD_ANSWERS, "consent": True}
    assert lead.capture["utm_source"] == "linkedin"
    assert lead.capture["utm_campaign"] == "spring"
    assert lead.capture["device"] == "mobile"
    assert lead.capture["seconds_to_complete"] >= 0
    thanks = client.get(response["Location"])
    assert "Thank you" in thanks.content.decode()


def test_an_htmx_submit_gets_the_next_step_inline(client, demo_form):
    response = submit(client, "demo", GOOD_ANSWERS, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert Lead.objects.count() == 1


def test_bad_input_names_each_problem_next_to_its_field_and_stores_nothing(client, demo_form):
    answers = {**GOOD_ANSWERS, "work_email": "nope", "company_size": "gigantic"}
    del answers["consent"]
    response = submit(client, "demo", answers)

    assert response.status_code == 422
    html = response.content.decode()
    assert "Please correct 3 answers" in html
    assert 'id="id_work_email_error"' in html and "Enter a valid email address." in html
    assert 'aria-invalid="true"' in html
    assert "Select a valid choice. gigantic is not one of the available choices." in html
    assert 'value="Ada Lovelace"' in html  # what the prospect typed is kept
    assert Lead.objects.count() == 0


def test_a_replayed_submission_creates_no_second_lead(client, demo_form):
    page = client.get("/f/demo/")
    data = {**GOOD_ANSWERS, "_fs_token": token_from(page)}
    first = client.post("/f/demo/", data)
    second = client.post("/f/demo/", data)
    assert first["Location"] == second["Location"]
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "The form token is missing"),
        ("forged:token", "The form token is not valid"),
    ],
)
def test_a_missing_or_forged_token_is_refused_with_a_reason(client, demo_form, token, message):
    response = client.post("/f/demo/", {**GOOD_ANSWERS, "_fs_token": token})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Lead.objects.count() == 0


def test_a_token_for_another_form_is_refused(client, demo_form, make_form):
    other = make_form(("Name", "short_text", {}), slug="other")
    token = form_token_issue(form_id=other.pk)
    response = client.post("/f/demo/", {**GOOD_ANSWERS, "_fs_token": token})
    assert response.status_code == 400
    assert Lead.objects.count() == 0


def test_an_expired_token_is_refused(client, demo_form, settings):
    page = client.get("/f/demo/")
    settings.FORMSCORE_FORM_TOKEN_MAX_AGE = -1
    response = client.post("/f/demo/", {**GOOD_ANSWERS, "_fs_token": token_from(page)})
    assert response.status_code == 400
    assert "This form has expired" in response.content.decode()


def test_a_draft_or_unknown_form_is_not_found(client, make_form):
    make_form(("Name", "short_text", {}), slug="secret", status=Form.Status.DRAFT)
    assert client.get("/f/secret/").status_code == 404
    assert client.post("/f/secret/", {"name": "x"}).status_code == 404
    assert client.get("/f/nothing-here/").status_code == 404


def test_an_oversized_request_is_refused_with_400(client, demo_form, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = submit(client, "demo", {**GOOD_ANSWERS, "company": "x" * 20_000})
    assert response.status_code == 400
    assert Lead.objects.count() == 0


def test_hidden_fields_capture_their_url_parameter(client, make_form):
    make_form(
        ("E-mail", "email", {"required": True}),
        ("Campaign", "hidden", {"url_parameter": "utm_campaign"}),
        slug="webinar",
    )
    page = client.get("/f/webinar/?utm_campaign=autumn-launch")
    assert 'value="autumn-launch"' in page.content.decode()
    data = {"e_mail": "a@b.example", "campaign": "autumn-launch", "_fs_token": token_from(page)}
    client.post("/f/webinar/", data)
    assert Lead.objects.get().answers == {"e_mail": "a@b.example", "campaign": "autumn-launch"}
