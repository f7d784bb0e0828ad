"""A prospect fills the public form over real HTTP requests against the real database."""

import re

import pytest
from django.core.management import call_command

from forms_app.capture.tokens import form_token_issue
from forms_app.models import Form, Lead
from scoring.features import SPEC_FORMAT
from scoring.runtime import artefact_sha256, served_model_forget

GOOD_ANSWERS = {
    "work_email": "ada@lovelace.example",
    "full_name": "Ada Lovelace",
    "company": "Analytical Engines",
    "company_size": "51_200",
    "timeline": "within_1_month",
    "budget": "20k_50k",
    "industry": "saas",
    "role": "vp_head",
    "country": "uk",
    "consent": "on",
}


def token_from(response) -> str:
    return re.search(r'name="_fs_token" value="([^"]+)"', response.content.decode()).group(1)


def submit(client, slug, answers, **extra):
    page = client.get(f"/f/{slug}/?utm_source=linkedin&utm_campaign=spring")
    data = {
        **answers,
        "_fs_token": token_from(page),
        "_fs_utm_source": "linkedin",
        "_fs_utm_campaign": "spring",
    }
    return client.post(f"/f/{slug}/", data, **extra)


def test_the_form_page_shows_every_question_with_its_label(client, demo_form):
    response = client.get("/f/demo/")
    assert response.status_code == 200
    html = response.content.decode()
    for question in demo_form.questions.all():
        assert question.label in html
    assert '<label class="field-label" for="id_work_email">' in html
    assert 'aria-describedby="id_work_email_help"' in html


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


def test_the_demo_command_can_run_twice_without_duplicating(db, capsys):
    call_command("demo", "--password", "demo-pass-123", "--leads", "200")
    call_command("demo", "--password", "demo-pass-123", "--leads", "200")
    output = capsys.readouterr().out
    assert "already has its demo history" in output
    assert "marketer  / demo-pass-123" in output
    assert "/app/" in output and "/api/v1/public/forms/demo" in output
    assert Form.objects.filter(slug="demo").count() == 1
    assert Lead.objects.filter(source=Lead.Source.DEMO).count() == 200


def test_the_demo_command_retrains_a_model_this_version_cannot_serve(db, capsys):
    call_command("demo", "--password", "demo-pass-123", "--leads", "1000")
    form = Form.objects.get(slug="demo")
    older = form.model_versions.get()
    spec = older.feature_spec | {"format": 1}  # as an earlier formscore wrote it, hash and all
    sha256 = artefact_sha256(
        onnx_bytes=older.onnx, spec=spec, reference=older.reference, baseline=older.baseline
    )
    form.model_versions.filter(pk=older.pk).update(feature_spec=spec, sha256=sha256)
    served_model_forget()  # a new process after the upgrade
    capsys.readouterr()

    call_command("demo", "--password", "demo-pass-123", "--leads", "1000")

    assert "Training the demo model" in capsys.readouterr().out
    newer = form.model_versions.exclude(pk=older.pk).get()
    assert newer.number == older.number + 1
    assert newer.feature_spec["format"] == SPEC_FORMAT


def test_the_demo_history_converts_at_a_realistic_rate(db):
    call_command("demo", "--password", "demo-pass-123", "--leads", "3000")
    form = Form.objects.get(slug="demo")
    labelled = form.leads.filter(status__in=form.labelled_statuses()).count()
    converted = form.leads.filter(status__in=form.converted_statuses()).count()
    assert 0.08 <= converted / labelled <= 0.12
