"""Bad input in the workspace: imported files, labels and settings never store control characters
(PostgreSQL refuses NUL: a 500 before), the CSV import keeps its own body limit, and the export
defuses formulas in its header as in its cells."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from forms_app.models import ImportRun, Lead, Question
from forms_app.workspace.import_runs import import_run_execute

IMPORT_URL = "/app/forms/pricing/models/import/"


def upload(client, content: bytes, name="history.csv"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_control_characters_in_an_imported_file_are_dropped_and_the_leads_stored(
    marketer_client, draft_form
):
    content = (
        b"email,timeline,outcome,created\n"
        b"a@corp.example,now,won,2026-01-02\n"
        b"b\x00@mail.example,la\x00ter,lost,2026-01-03\n"
        b"c@corp.example\x1b,now,won,2026-01-04\n"
    )
    run_url = upload(marketer_client, content)["Location"]
    options = {"outcome_column": "outcome", "order_by": "created", "map_0": "work_e_mail"}

    response = marketer_client.post(run_url, {**options, "map_1": "timeline", "action": "start"})

    assert response.status_code == 302
    import_run_execute(ImportRun.objects.get().pk)  # what the imports worker does
    stored = sorted(lead.answers["work_e_mail"] for lead in Lead.objects.all())
    assert stored == ["a@corp.example", "b@mail.example", "c@corp.example"]
    assert Lead.objects.filter(answers__timeline="later").count() == 1


def test_the_csv_import_takes_a_body_above_the_sites_cap_up_to_its_own_limit(
    marketer_client, draft_form, settings
):
    settings.FORMSCORE_IMPORT_MAX_BYTES = 2 * 1024 * 1024  # the body limit follows it
    a_little_too_large = b"email,outcome\n" + b"a@corp.example,won\n" * 130_000  # 2.5 MB
    response = upload(marketer_client, a_little_too_large)
    assert response.status_code == 302  # the view's own message, not a bare 413
    page = marketer_client.get(response["Location"]).content.decode()
    assert "The file is larger than 2 MB." in page

    far_too_large = b"email,outcome\n" + b"a@corp.example,won\n" * 600_000  # 11 MB
    assert upload(marketer_client, far_too_large).status_code == 413


def test_a_nul_in_a_choice_label_is_refused_naming_the_choices(marketer_client, draft_form):
    timeline = draft_form.questions.get(key="timeline")
    response = marketer_client.post(
        f"/app/forms/pricing/questions/{timeline.pk}/",
        {
            "label": "Timeline",
            "step": 1,
            "choice_value": ["now", "later"],
            "choice_label": ["Right\x00 now", "Later"],
        },
    )

    assert response.status_code == 422
    assert "control characters" in response.content.decode()
    timeline.refresh_from_db()
    assert timeline.choices[0]["label"] == "Right now"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/app/forms/new/", {"name": "Webinar\x07"}),
        ("/app/forms/pricing/questions/add/", {"kind": "short_text", "label": "Name\x1b"}),
    ],
)
def test_a_control_character_in_a_workspace_text_field_is_refused(
    marketer_client, draft_form, path, data
):
    response = marketer_client.post(path, data)

    assert response.status_code == 422
    assert "control characters" in response.content.decode()


def test_a_control_character_in_the_form_settings_is_refused(marketer_client, draft_form):
    response = marketer_client.post(
        "/app/forms/pricing/settings/",
        {
            "name": "Pricing request",
            "slug": "pricing",
            "submit_label": "Send",
            "accent_color": "#4338ca",
            "conversion_definition": "qualified",
            "thank_you_message": "Thanks\x0b!",
        },
    )

    assert response.status_code == 422
    assert "control characters" in response.content.decode()


def test_a_label_that_looks_like_a_formula_is_defused_in_the_exports_header(
    marketer_client, draft_form
):
    Question.objects.create(
        form=draft_form, label='=HYPERLINK("http://evil.example","x")', kind="short_text"
    )
    for label in ("+1 plus", "-minus", "@at"):
        Question.objects.create(form=draft_form, label=label, kind="short_text")
    Lead.objects.create(form=draft_form, answers={}, created_at=timezone.now())

    response = marketer_client.get("/app/forms/pricing/leads.csv?days=30")

    text = b"".join(response.streaming_content).decode()
    header = next(csv.reader(io.StringIO(text)))
    assert '\'=HYPERLINK("http://evil.example","x")' in header
    assert {"'+1 plus", "'-minus", "'@at"} <= set(header)
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in header)
