"""The leakage guard on the import side: suspects left out unless known when the lead arrived."""

import io
import sys
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.test import Client

from forms_app.models import Form, ImportRun, Question
from forms_app.workspace.import_runs import import_run_execute
from forms_app.workspace.importing import LeadImportError, leads_import
from tests.helpers.shared_data import X_EDUCATION, X_SUSPECTS

X_ORDINARY = [
    "Lead Origin",
    "Lead Source",
    "Do Not Email",
    "TotalVisits",
    "Total Time Spent on Website",
    "Page Views Per Visit",
    "Country",
    "Specialization",
    "What is your current occupation",
    "City",
    "Search",
    "Receive More Updates About Our Courses",
    "Get updates on DM Content",
    "A free copy of Mastering The Interview",
    "What matters most to you in choosing a course",
    "How did you hear about X Education",
]


@pytest.fixture(scope="module")
def x_education() -> bytes:
    return X_EDUCATION.read_bytes()


def _x_import(data: bytes, *, dry_run: bool = True, **options):
    return leads_import(
        data=data,
        outcome_column="Converted",
        order_by="Lead Number",
        exclude=["Prospect ID"],
        create_form_slug="x-education",
        dry_run=dry_run,
        **options,
    )


def test_x_educations_post_contact_columns_are_left_out_with_their_reasons(db, x_education):
    report = _x_import(x_education)

    assert report.excluded_suspects == X_SUSPECTS
    assert [s.column for s in report.suspects] == X_SUSPECTS
    assert all(s.how == "name" and s.reason for s in report.suspects)
    tags = next(s for s in report.suspects if s.column == "Tags")
    assert tags.roc_auc >= 0.9
    assert '"Tags" alone ranks the outcome at 0.9' in tags.reason
    assert '"Closed by Horizzon" converts 99 % of 358 leads' in tags.reason
    assert all(column in report.mapping for column in X_ORDINARY)
    assert not set(X_SUSPECTS) & {*report.mapping, *report.ignored_columns}


def test_an_included_suspect_is_kept_and_marked_known_at_arrival(db, x_education):
    report = _x_import(x_education, include=["Tags"], dry_run=False)

    assert "Tags" in report.mapping
    assert "Tags" in [s.column for s in report.suspects]
    assert report.excluded_suspects == [c for c in X_SUSPECTS if c != "Tags"]
    questions = {q.label: q for q in Form.objects.get(slug="x-education").questions.all()}
    assert questions["Tags"].known_at_arrival is True
    assert "Lead Quality" not in questions
    assert questions["Country"].known_at_arrival is None


def test_an_unknown_included_column_imports_nothing(db):
    with pytest.raises(LeadImportError, match="The included column 'Ghost' is not in the file"):
        leads_import(
            data="Plan,Outcome\nPro,won\n",
            outcome_column="Outcome",
            create_form_slug="h",
            include=["Ghost"],
        )
    assert not Form.objects.exists()


def test_an_existing_forms_question_fed_by_a_suspect_column_is_not_fed(db, make_form):
    make_form(
        ("Plan", "dropdown", {"choices": ["Basic", "Pro"]}), ("Lead status", "short_text", {})
    )
    data = "Plan,Lead status,Outcome\nPro,Called,won\nBasic,Lost,lost\n"

    report = leads_import(data=data, outcome_column="Outcome", form=Form.objects.get())

    assert report.mapping == {"Plan": "plan"}
    assert report.excluded_suspects == ["Lead status"]
    assert "lead_status" not in Form.objects.get().leads.first().answers


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


X_ARGS = (
    "import_leads",
    str(X_EDUCATION),
    "--form",
    "x-education",
    "--create-form",
    "--outcome",
    "Converted",
    "--order-by",
    "Lead Number",
    "--exclude",
    "Prospect ID",
    "--dry-run",
)


def test_the_command_lists_each_suspect_with_its_reason_and_how_to_keep_it(db):
    output = _run(*X_ARGS, "--no-input")

    assert "7 columns look filled in after the lead arrived (7 left out):" in output
    assert (
        '  left out "Tags": Its name says "tag": tags are labels sales add while working the'
        " lead. " in output
    )
    assert '"Closed by Horizzon" converts 99 % of 358 leads.' in output
    for column in X_SUSPECTS:
        assert f'  left out "{column}": Its name says' in output
        assert f'keep it: --include "{column}"' in output
    used = output.split("Columns used: ")[1].split("\n")[0].split(", ")
    assert "Lead Origin" in used and "Tags" not in used


def test_the_command_keeps_included_suspects_repeated_or_comma_separated(db):
    output = _run(*X_ARGS, "--include", "Tags", "--include", "Lead Quality,Last Activity")

    assert "(4 left out)" in output
    assert '  kept "Tags" (--include): ' in output
    assert '  kept "Lead Quality" (--include): ' in output
    assert '  kept "Last Activity" (--include): ' in output
    used = output.split("Columns used: ")[1].split("\n")[0].split(", ")
    assert {"Tags", "Lead Quality", "Last Activity"} <= set(used)


def test_an_unknown_included_column_is_a_command_error(db):
    with pytest.raises(CommandError, match="The included column 'Ghost' is not in the file"):
        _run(*X_ARGS, "--include", "Ghost")


class _Terminal(io.StringIO):
    """A person at a terminal, typing the given answers."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_command_asks_about_each_suspect_before_storing(
    db, monkeypatch, make_form, tmp_path
):
    make_form(("Plan", "dropdown", {"choices": ["Basic", "Pro"]}))
    path = tmp_path / "leads.csv"
    path.write_text("Plan,Lead status,Sales notes,Outcome\nPro,Called,ok,won\nBasic,Lost,no,lost\n")
    monkeypatch.setattr(sys, "stdin", _Terminal("y\n\n"))  # yes to the first, Enter to the next

    output = _run("import_leads", str(path), "--form", "contact", "--outcome", "Outcome")

    assert 'Was "Lead status" known when the lead arrived? Its name says "status": ' in output
    assert '[y/N] Was "Sales notes" known when the lead arrived?' in output
    assert '  kept "Lead status" (--include): ' in output
    assert '  left out "Sales notes": ' in output


def test_no_input_asks_nothing_even_on_a_terminal(db, monkeypatch, make_form, tmp_path):
    make_form(("Plan", "dropdown", {"choices": ["Basic", "Pro"]}))
    path = tmp_path / "leads.csv"
    path.write_text("Plan,Lead status,Outcome\nPro,Called,won\nBasic,Lost,lost\n")
    monkeypatch.setattr(sys, "stdin", _Terminal(""))

    output = _run(
        "import_leads", str(path), "--form", "contact", "--outcome", "Outcome", "--no-input"
    )

    assert "known when the lead arrived? Its name" not in output
    assert '  left out "Lead status": ' in output


# The upload page.

LEAKY_CSV = (
    "email,timeline,Lead status,outcome,created\n"
    "a@corp.example,now,Called,won,2026-01-02\n"
    "b@mail.example,later,Lost,lost,2026-01-03\n"
    "c@corp.example,now,Called,won,2026-01-04\n"
)


@pytest.fixture
def leaky_upload(marketer_client, draft_form):
    Question.objects.create(form=draft_form, label="Lead status", kind="short_text", position=9)
    upload = SimpleUploadedFile("crm.csv", LEAKY_CSV.encode(), content_type="text/csv")
    response = marketer_client.post("/app/forms/pricing/models/import/", {"file": upload})
    return response["Location"], {
        "outcome_column": "outcome",
        "order_by": "created",
        "map_0": "work_e_mail",
        "map_1": "timeline",
        "map_2": "lead_status",
    }


def _imported(client, url: str, options: dict) -> None:
    """Start the import, then do what the imports worker does."""
    response = client.post(url, {**options, "action": "start"})
    assert response.status_code == 302
    import_run_execute(ImportRun.objects.get().pk)


def test_the_preview_asks_about_each_suspect_unticked(marketer_client, leaky_upload):
    url, _options = leaky_upload
    page = marketer_client.get(url).content.decode()

    assert "<legend><h2>Filled in after the lead arrived?</h2></legend>" in page
    assert "Its name says &quot;status&quot;: a lead or deal status is set by sales" in page
    assert '<input type="checkbox" name="include" value="Lead status"' in page
    assert 'value="Lead status" aria-describedby="suspect-2-reason">' in page  # not checked
    assert "Known when the lead arrived" in page
    asked = page.split('<fieldset class="card leakage-suspects"')[1].split("</fieldset>")[0]
    assert asked.count('name="include"') == 1  # only the suspects are asked about


def test_a_suspect_left_unticked_is_not_imported(marketer_client, leaky_upload, draft_form):
    url, options = leaky_upload
    check = marketer_client.post(url, {**options, "action": "check"}).content.decode()
    assert "Left out as filled in after the lead arrived: Lead status" in check

    _imported(marketer_client, url, options)

    lead = draft_form.leads.order_by("created_at").first()
    assert lead.answers == {"work_e_mail": "a@corp.example", "timeline": "now"}
    assert draft_form.questions.get(key="lead_status").known_at_arrival is None


def test_a_ticked_suspect_is_imported_and_remembered(marketer_client, leaky_upload, draft_form):
    url, options = leaky_upload
    ticked = {**options, "include": ["Lead status"]}
    check = marketer_client.post(url, {**ticked, "action": "check"}).content.decode()
    assert 'value="Lead status" aria-describedby="suspect-2-reason" checked>' in check
    assert 'data-testid="excluded-suspects"' not in check

    _imported(marketer_client, url, ticked)

    lead = draft_form.leads.order_by("created_at").first()
    assert lead.answers["lead_status"] == "Called"
    assert draft_form.questions.get(key="lead_status").known_at_arrival is True


# The answer from the models page.

ARRIVAL_URL = "/app/forms/pricing/questions/timeline/arrival/"


def test_the_arrival_answer_is_recorded_and_back_to_the_models_page(marketer_client, draft_form):
    response = marketer_client.post(ARRIVAL_URL, {"known": "no"}, follow=True)

    assert response.redirect_chain == [("/app/forms/pricing/models/", 302)]
    assert "“Timeline” is left out of training" in response.content.decode()
    assert draft_form.questions.get(key="timeline").known_at_arrival is False

    marketer_client.post(ARRIVAL_URL, {"known": "yes"})
    assert draft_form.questions.get(key="timeline").known_at_arrival is True


def test_the_arrival_answer_refuses_a_get_a_bad_value_and_an_unknown_question(
    marketer_client, draft_form
):
    assert marketer_client.get(ARRIVAL_URL).status_code == 405
    assert marketer_client.post(ARRIVAL_URL, {"known": "maybe"}).status_code == 400
    missing = "/app/forms/pricing/questions/nope/arrival/"
    assert marketer_client.post(missing, {"known": "yes"}).status_code == 404
    assert draft_form.questions.get(key="timeline").known_at_arrival is None


def test_the_arrival_answer_needs_a_workspace_login_and_the_csrf_token(client, rep, draft_form):
    anonymous = client.post(ARRIVAL_URL, {"known": "yes"})
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    client.force_login(rep)
    assert client.post(ARRIVAL_URL, {"known": "yes"}).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.create_superuser("root", password="pw-for-tests-123"))
    assert strict.post(ARRIVAL_URL, {"known": "yes"}).status_code == 403
    assert draft_form.questions.get(key="timeline").known_at_arrival is None


def test_the_suspects_partial_offers_the_answer_that_changes_each(draft_form):
    html = render_to_string(
        "forms_app/workspace/_leakage_suspects.html",
        {
            "form": draft_form,
            "suspects": [
                {
                    "column": "Timeline",
                    "key": "timeline",
                    "how": "data",
                    "reason": '"Timeline" alone ranks the outcome at 0.95 ROC AUC.',
                    "roc_auc": 0.95,
                    "excluded": True,
                },
                {
                    "column": "Budget",
                    "key": "budget",
                    "how": "name",
                    "reason": "Its name says …",
                    "roc_auc": None,
                    "excluded": False,
                },
                {"column": "Tags", "how": "name", "reason": "Not a question.", "excluded": True},
            ],
        },
    )

    assert 'action="/app/forms/pricing/questions/timeline/arrival/"' in html
    assert "It was known when the lead arrived — include it" in html
    assert 'action="/app/forms/pricing/questions/budget/arrival/"' in html
    assert "Leave it out" in html
    assert html.count("<form") == 2  # a suspect without a question has nothing to answer
    assert "ROC AUC 0.95 alone" in html and "Not a question." in html


# The train command.


@pytest.fixture
def crm_form(make_form):
    return make_form(
        ("Plan", "dropdown", {"choices": ["Basic", "Pro"], "feeds_score": True}),
        ("Lead status", "dropdown", {"choices": ["Called", "Lost"], "feeds_score": True}),
        ("Sales notes", "long_text", {"feeds_score": False}),
    )


def test_train_records_include_and_exclude_by_label_or_key_before_training(db):
    call_command("demo", "--password", "demo-pass-123", "--leads", "600", stdout=StringIO())

    output = _run(
        "train",
        "demo",
        "--include",
        "When do you want to start?",
        "--exclude",
        "role",
        "--no-input",
    )

    questions = {q.key: q for q in Form.objects.get(slug="demo").questions.all()}
    assert questions["timeline"].known_at_arrival is True
    assert questions["role"].known_at_arrival is False
    assert questions["budget"].known_at_arrival is None
    assert "holdout ROC AUC" in output and ": trained on " in output  # the output as before


def test_train_refuses_an_unknown_question_listing_the_questions(crm_form):
    with pytest.raises(CommandError) as raised:
        _run("train", "contact", "--include", "Tags")

    assert str(raised.value) == (
        "No question 'Tags' in 'contact'. Questions: 'Plan' (plan), "
        "'Lead status' (lead_status), 'Sales notes' (sales_notes)."
    )


def test_on_a_terminal_train_asks_about_scoring_questions_named_like_a_leak(crm_form, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _Terminal("n\n"))
    out = StringIO()

    with pytest.raises(CommandError, match="needs at least"):  # too few leads: asked first
        call_command("train", "contact", stdout=out)

    assert out.getvalue() == (
        'Was "Lead status" known when the lead arrived? Its name says "status": a lead or deal'
        " status is set by sales as the lead is worked. [y/N] "
    )  # "Sales notes" does not feed the score: not asked
    assert crm_form.questions.get(key="lead_status").known_at_arrival is False

    with pytest.raises(CommandError, match="needs at least"):
        call_command("train", "contact", stdout=out)
    assert out.getvalue().count("Was ") == 1  # answered once, never asked again
