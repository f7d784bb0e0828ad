"""A multi-step form, step by step over plain POSTs (what a browser without JavaScript does)."""

from forms_app.models import FormStepStat, Lead
from tests.helpers.submit import hidden_inputs, send

STEP_1 = {"work_e_mail": "ada@engines.example", "your_name": "Ada"}
STEP_2 = {"team_size": "medium", "interested_in": "pricing", "seats": "25"}
STEP_3 = {"i_agree_to_be_contacted": "on"}


def stats(form) -> dict[int, tuple[int, int]]:
    return {s.step: (s.started, s.completed) for s in FormStepStat.objects.filter(form=form)}


def test_the_first_step_shows_only_its_questions_and_a_progress_bar(client, trial_form):
    page = client.get("/f/trial/")
    html = page.content.decode()
    assert "Step 1 of 3" in html
    assert 'role="progressbar"' in html and 'aria-valuenow="1"' in html
    assert 'name="work_e_mail"' in html and 'name="team_size"' not in html
    assert ">Continue</button>" in html


def test_a_step_with_a_mistake_is_shown_again_with_the_reason_and_stores_nothing(
    client, trial_form
):
    page = client.get("/f/trial/")
    response = send(client, "trial", page, {"work_e_mail": "nope", "your_name": "Ada"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Step 1 of 3" in html and "Enter a valid email address." in html
    assert "Team size" not in html  # later steps are not judged yet
    assert Lead.objects.count() == 0


def test_leaving_after_the_email_step_keeps_a_partial_lead(client, trial_form):
    page = client.get("/f/trial/?utm_source=linkedin")
    step_2 = send(client, "trial", page, STEP_1)

    assert step_2.status_code == 200
    html = step_2.content.decode()
    assert "Step 2 of 3" in html and 'name="team_size"' in html
    assert hidden_inputs(step_2)["work_e_mail"] == ["ada@engines.example"]
    lead = Lead.objects.get()
    assert lead.is_partial and lead.completed_at is None
    assert lead.answers == STEP_1
    assert lead.capture["utm_source"] == "linkedin"


def test_completing_later_turns_the_same_lead_complete(client, trial_form):
    page = client.get("/f/trial/?utm_campaign=autumn")
    step_2 = send(client, "trial", page, STEP_1)
    partial = Lead.objects.get()
    step_3 = send(client, "trial", step_2, STEP_2)
    assert "Step 3 of 3" in step_3.content.decode()
    assert Lead.objects.get().answers["seats"] == 25  # the partial lead follows each step

    done = send(client, "trial", step_3, STEP_3)

    assert done.status_code == 302
    lead = Lead.objects.get()
    assert lead.pk == partial.pk
    assert not lead.is_partial and lead.completed_at is not None
    assert lead.answers == {
        **STEP_1,
        "team_size": "medium",
        "interested_in": "pricing",
        "seats": 25,
        "campaign": "autumn",
        "i_agree_to_be_contacted": True,
    }
    assert done["Location"] == f"/f/trial/next/{lead.public_id}/"


def test_no_lead_is_kept_before_a_step_with_an_email_address(client, make_form):
    make_form(
        ("Team size", "short_text", {"required": True, "step": 1}),
        ("Work e-mail", "email", {"required": True, "step": 2}),
        slug="late-email",
    )
    page = client.get("/f/late-email/")
    send(client, "late-email", page, {"team_size": "12"})
    assert Lead.objects.count() == 0


def test_a_partial_lead_has_no_next_step_page(client, trial_form):
    send(client, "trial", client.get("/f/trial/"), STEP_1)
    lead = Lead.objects.get()
    assert client.get(f"/f/trial/next/{lead.public_id}/").status_code == 404


def test_back_shows_the_previous_step_with_its_answers_and_keeps_the_later_ones(client, trial_form):
    step_2 = send(client, "trial", client.get("/f/trial/"), STEP_1)
    back = send(client, "trial", step_2, {**STEP_2, "_fs_back": "1"})

    html = back.content.decode()
    assert back.status_code == 200
    assert "Step 1 of 3" in html and 'value="ada@engines.example"' in html
    assert hidden_inputs(back)["team_size"] == ["medium"]
    again = send(client, "trial", back, STEP_1)
    assert '<option value="medium" selected>' in again.content.decode()


def test_a_tampered_answer_of_an_earlier_step_sends_the_prospect_back_to_it(client, trial_form):
    step_2 = send(client, "trial", client.get("/f/trial/"), STEP_1)
    data = {**hidden_inputs(step_2), **STEP_2, "work_e_mail": "not-an-address"}
    response = client.post("/f/trial/", data)
    assert response.status_code == 422
    assert "Step 1 of 3" in response.content.decode()


def test_an_unknown_step_number_is_refused_naming_the_field(client, trial_form):
    page = client.get("/f/trial/")
    response = send(client, "trial", page, {**STEP_1, "_fs_step": "7"})
    assert response.status_code == 400
    assert "_fs_step" in response.content.decode()


def test_drop_off_is_counted_per_step_once_per_prospect(client, trial_form):
    first = client.get("/f/trial/")
    step_2 = send(client, "trial", first, STEP_1)
    send(client, "trial", first, STEP_1)  # a double click on Continue
    send(client, "trial", step_2, STEP_2)
    client.get("/f/trial/")  # a second visitor leaves without answering

    assert stats(trial_form) == {1: (2, 1), 2: (1, 1), 3: (1, 0)}
    step_1 = FormStepStat.objects.get(form=trial_form, step=1)
    assert step_1.dropped == 1


def test_a_question_shown_only_for_some_answers_carries_its_condition_for_the_page(
    client, trial_form
):
    step_2 = send(client, "trial", client.get("/f/trial/"), STEP_1)
    html = step_2.content.decode()
    assert (
        'data-field="seats" data-condition="{&quot;question&quot;: &quot;interested_in&quot;'
        in html
    )


def test_coming_back_later_with_the_same_email_completes_the_partial_lead(client, trial_form):
    send(client, "trial", client.get("/f/trial/"), STEP_1)
    partial = Lead.objects.get()

    later = client.get("/f/trial/")  # another day: a new page and a new token
    step_2 = send(client, "trial", later, STEP_1)
    step_3 = send(client, "trial", step_2, STEP_2)
    done = send(client, "trial", step_3, STEP_3)
    replayed = send(client, "trial", step_3, STEP_3)

    lead = Lead.objects.get()
    assert lead.pk == partial.pk and not lead.is_partial
    assert done["Location"] == replayed["Location"] == f"/f/trial/next/{lead.public_id}/"


def test_a_completed_lead_is_never_taken_over_by_a_later_submit(client, trial_form):
    first = send(client, "trial", client.get("/f/trial/"), STEP_1)
    send(client, "trial", send(client, "trial", first, STEP_2), STEP_3)
    send(client, "trial", client.get("/f/trial/"), STEP_1)
    assert Lead.objects.filter(is_partial=False).count() == 1
    assert Lead.objects.filter(is_partial=True).count() == 1
