"""Importing past leads in the workspace: upload at real sizes (streamed to storage, sniffed), a
preview that stores nothing, a background import with progress that can be cancelled, choices
matched by value or label, columns feeding capture signals, and its own task queue."""

import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from forms_app.capture.submit import lead_capture
from forms_app.models import Contact, Form, ImportRun, Lead, Question
from forms_app.sales.outbox import deliver_notifications
from forms_app.scoring_adapter import training_run
from forms_app.workspace.import_runs import (
    delimiter_sniff,
    encoding_sniff,
    import_cancel,
    import_run_execute,
    import_run_task,
    import_start,
)
from forms_app.workspace.importing import ImportOptions, ImportReport, answer_from_text

# The worker closes database connections between tasks, and the import is enqueued on commit.
pytestmark = pytest.mark.django_db(transaction=True)

NEW_URL = "/app/imports/new/"


def _worker(queue: str) -> None:
    call_command("db_worker", batch=True, startup_delay=False, queue_name=queue, stdout=StringIO())


def _upload(client, content: bytes, name="history.csv", url=NEW_URL):
    return client.post(url, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def _run() -> ImportRun:
    return ImportRun.objects.get()


HISTORY = (
    "Lead Number,Email,Timeline,Budget,Lead Status,Converted\n"
    "1,a@corp.example,Right now,1000,Closed,1\n"
    "2,b@mail.example,later,5000,Open,0\n"
    "3,c@corp.example,Right now,20,Closed,1\n"
    "4,d@corp.example,later,300,Open,0\n"
)


# Sniffing: delimiter and encoding.


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed(delimiter):
    sample = HISTORY.replace(",", delimiter)
    assert delimiter_sniff(sample) == delimiter


def test_a_delimiter_inside_quoted_values_does_not_fool_the_sniffer():
    sample = 'name;city;note\n"Smith, Jo";Paris;"a, b, c"\n"Doe, Al";Lyon;"d, e"\n'
    assert delimiter_sniff(sample) == ";"


def test_a_sample_cut_mid_line_is_sniffed_on_its_whole_lines():
    sample = "a;b;c\n1;2;3\n4;5;6\n7;8"
    assert delimiter_sniff(sample) == ";"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Ville,Résultat\nMünchen,1\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "Ville,Résultat\nMünchen,1\n".encode(), "utf-8-sig"),
        ("Ville,Résultat\nMünchen,1\n".encode("latin-1"), "latin-1"),
    ],
)
def test_the_encoding_is_sniffed(data, encoding):
    assert encoding_sniff([data]) == encoding


def test_a_latin_1_letter_on_the_last_line_is_found_and_a_letter_split_across_chunks_is_not_one():
    text = ("a,b\n" + "x,1\n" * 100_000).encode() + "é,1\n".encode("latin-1")
    assert encoding_sniff([text[i : i + 65536] for i in range(0, len(text), 65536)]) == "latin-1"
    utf8 = "é".encode()
    assert encoding_sniff([b"a," + utf8[:1], utf8[1:] + b",1\n"]) == "utf-8"


# Choice matching.


def test_a_choice_matches_its_value_or_its_label_whatever_the_case_and_spacing(draft_form):
    timeline = draft_form.questions.get(key="timeline")
    report = ImportReport()

    def read(text):
        return answer_from_text(timeline, text, report, 2, "Timeline")

    assert read("now") == "now"
    assert read("Right now") == "now"
    assert read("  RIGHT   now ") == "now"
    assert read("LATER") == "later"
    assert read("Someday") == "Someday"
    read("someday")
    assert report.unmatched_listed() == [
        {"column": "Timeline", "values": [("Someday", 1), ("someday", 1)], "rows": 2}
    ]


# The preview: a new form from a file, nothing stored before the import starts.


def test_a_new_form_from_a_file_is_previewed_with_kinds_outcome_and_suspects(marketer_client):
    response = _upload(marketer_client, HISTORY.encode())
    run = _run()
    assert response["Location"] == f"/app/imports/{run.pk}/"
    assert (run.creates_form, run.delimiter, run.encoding, run.status) == (
        True,
        ",",
        "utf-8",
        "draft",
    )

    page = marketer_client.get(f"/app/imports/{run.pk}/").content.decode()
    assert "New form from history.csv" in page
    assert '<option value="Converted" selected>' in page  # the outcome, guessed by name
    assert '<input type="checkbox" name="positive" value="1" checked>' in page
    assert '<input type="checkbox" name="positive" value="0">' in page
    assert 'data-testid="would-import">4<' in page
    assert 'data-testid="would-convert">2<' in page
    # One row per column with its inferred kind, editable.
    assert '<select id="kind_2" name="kind_2">' in page
    assert '<option value="category" selected>Category (scored)</option>' in page
    assert '<option value="email" selected>' in page
    # The suspect, with its reason, unticked.
    assert 'name="include" value="Lead Status"' in page
    assert 'value="Lead Status" aria-describedby="suspect-4-reason" checked' not in page
    assert "Its name says" in page
    assert not Form.objects.exists() and not Lead.objects.exists()
    assert "csv" not in str(dict(marketer_client.session))


def _start(client, run, **fields):
    data = {
        "action": "start",
        "form_name": "History",
        "outcome_column": "Converted",
        "outcome_shown": "Converted",
        "positive": ["1"],
        "order_by": "Lead Number",
        **fields,
    }
    return client.post(f"/app/imports/{run.pk}/", data)


def test_starting_queues_the_import_and_the_imports_worker_runs_it(marketer_client, marketer):
    _upload(marketer_client, HISTORY.encode())
    run = _run()
    response = _start(marketer_client, run, kind_3="number")
    assert response["Location"] == f"/app/imports/{run.pk}/"
    run.refresh_from_db()
    assert (run.status, run.rows_total, run.actor) == ("queued", 4, marketer)
    assert not Lead.objects.exists()

    _worker("imports")

    run.refresh_from_db()
    assert (run.status, run.rows_done) == ("succeeded", 4)
    form = run.form
    assert form.name == "History" and form.status == "draft"
    questions = {q.label: q for q in form.questions.all()}
    assert set(questions) == {"Email", "Timeline", "Budget"}  # the suspect left out
    assert questions["Timeline"].kind == "dropdown" and questions["Timeline"].feeds_score
    assert questions["Budget"].kind == "number"
    leads = Lead.objects.filter(form=form).order_by("created_at")
    assert [lead.status for lead in leads] == ["qualified", "lost", "qualified", "lost"]
    assert leads[0].answers == {"email": "a@corp.example", "timeline": "right_now", "budget": 1000}
    assert leads[0].capture["imported"]["run"] == run.pk
    assert run.report["excluded_suspects"] == ["Lead Status"]
    assert not storages["imports"].exists(run.file_name)  # the file goes once imported

    page = marketer_client.get(f"/app/imports/{run.pk}/").content.decode()
    assert "Imported 4 leads (2 converted) into “History”." in page
    assert f'action="/app/forms/{form.slug}/models/train/"' in page


def test_a_kind_can_be_changed_and_a_column_left_out_before_anything_is_stored(marketer_client):
    _upload(marketer_client, HISTORY.encode())
    run = _run()
    _start(marketer_client, run, kind_1="skip", kind_2="text")
    _worker("imports")

    questions = {q.label: q for q in _run().form.questions.all()}
    assert set(questions) == {"Timeline", "Budget"}
    assert (questions["Timeline"].kind, questions["Timeline"].feeds_score) == ("short_text", False)


def test_the_outcome_column_shows_its_values_to_pick_the_converted_ones(marketer_client):
    content = "id,stage,plan\n1,Signed,a\n2,Open,b\n3,Signed,a\n4,Dropped,b\n"
    _upload(marketer_client, content.encode())
    run = _run()
    page = marketer_client.get(f"/app/imports/{run.pk}/").content.decode()
    assert "Choose the column that holds the outcome" in page

    shown = marketer_client.post(
        f"/app/imports/{run.pk}/", {"action": "check", "outcome_column": "stage"}
    ).content.decode()
    assert '<input type="checkbox" name="positive" value="Signed">' in shown
    assert "Tick the values of the outcome column that mean" in shown

    response = marketer_client.post(
        f"/app/imports/{run.pk}/",
        {
            "action": "start",
            "form_name": "Deals",
            "outcome_column": "stage",
            "outcome_shown": "stage",
            "positive": ["Signed"],
            "include": ["stage"],
        },
    )
    assert response.status_code == 302
    _worker("imports")
    form = _run().form
    assert Lead.objects.filter(form=form, status="qualified").count() == 2
    assert Lead.objects.filter(form=form, status="lost").count() == 2


def test_starting_without_an_outcome_is_refused_naming_the_field(marketer_client):
    _upload(marketer_client, HISTORY.encode())
    run = _run()
    response = marketer_client.post(f"/app/imports/{run.pk}/", {"action": "start"})
    assert response.status_code == 422
    assert '<a href="#outcome_column">Choose the column that holds the outcome.</a>' in (
        response.content.decode()
    )
    assert _run().status == "draft"


@pytest.mark.parametrize(
    "content",
    [b"just one column\nx\n", b"", b"a,a\n1,2\n"],
    ids=["one column", "empty", "duplicate names"],
)
def test_an_unreadable_file_is_refused_with_its_reason_and_not_kept(
    marketer_client, content, imports_in_tmp
):
    response = _upload(marketer_client, content, name="bad.csv")
    assert response.status_code == 200
    assert "bad.csv: " in response.content.decode()
    assert not ImportRun.objects.exists()
    assert not any(imports_in_tmp.glob("*")) if imports_in_tmp.exists() else True


def test_a_file_over_the_limit_is_refused(marketer_client, settings):
    settings.FORMSCORE_IMPORT_MAX_BYTES = 1000
    response = _upload(marketer_client, HISTORY.encode() * 20)
    assert "The file is larger than 0 MB" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_draft_can_be_discarded(marketer_client, draft_form):
    _upload(marketer_client, HISTORY.encode(), url="/app/forms/pricing/models/import/")
    run = _run()
    response = marketer_client.post(f"/app/imports/{run.pk}/", {"action": "discard"})
    assert response["Location"] == "/app/forms/pricing/models/"
    assert _run().status == "cancelled"
    assert not storages["imports"].exists(run.file_name)


# An existing form: columns to questions or capture signals; unmatched values listed first.

LATIN_1_CRM = (
    "Créé le;Courriel;Délai;Budget;utm_source;Pages vues;Pages clés;Résultat\n"
    "2026-01-02;a@corp.example;right  NOW;1000;Newsletter été;12;/pricing|/demo;won\n"
    "2026-01-03;b@mail.example;Later this year;5000;Google;3;/blog;lost\n"
    "2026-01-04;c@corp.example;Bientôt;20;Müller Ads;x;;won\n"
)


def test_an_existing_forms_import_maps_columns_to_questions_and_capture_signals(
    marketer_client, draft_form
):
    _upload(
        marketer_client,
        LATIN_1_CRM.encode("latin-1"),
        name="crm.csv",
        url="/app/forms/pricing/models/import/",
    )
    run = _run()
    assert (run.form, run.delimiter, run.encoding) == (draft_form, ";", "latin-1")
    page = marketer_client.get(f"/app/imports/{run.pk}/").content.decode()
    assert "semicolon-separated · Latin-1" in page
    assert '<option value="capture:utm_source" selected>UTM source</option>' in page  # by name
    mapping = {
        "map_1": "work_e_mail",
        "map_2": "timeline",
        "map_3": "budget",
        "map_4": "capture:utm_source",
        "map_5": "capture:page_views",
        "map_6": "capture:key_pages",
    }
    options = {
        "outcome_column": "Résultat",
        "outcome_shown": "Résultat",
        "positive": ["won"],
        "order_by": "Créé le",
        **mapping,
    }

    check = marketer_client.post(f"/app/imports/{run.pk}/", {**options, "action": "check"})
    report = check.content.decode()
    # The values that match no choice come first, before anything is stored.
    assert (
        report.index('data-testid="unmatched"') < report.index("One question per column")
        if ("One question per column" in report)
        else report.index('data-testid="unmatched"') < report.index("What each column feeds")
    )
    assert '<td class="mono">Bientôt</td>' in report
    assert "&#x27;x&#x27; is not a number of 0 or more" in report
    assert not Lead.objects.exists()

    marketer_client.post(f"/app/imports/{run.pk}/", {**options, "action": "start"})
    _worker("imports")

    leads = list(Lead.objects.filter(form=draft_form).order_by("created_at"))
    assert [lead.answers["timeline"] for lead in leads] == ["now", "later", "Bientôt"]
    assert [lead.capture.get("utm_source") for lead in leads] == [
        "Newsletter été",
        "Google",
        "Müller Ads",
    ]
    assert [lead.capture.get("page_views") for lead in leads] == [12, 3, None]
    assert leads[0].capture["key_pages"] == ["/pricing", "/demo"]
    assert [lead.status for lead in leads] == ["qualified", "lost", "qualified"]


# Cancel and failure leave the form as it was.


def _big_history(rows: int) -> bytes:
    lines = ["Lead Number,Email,Timeline,Budget,Converted"]
    lines += [
        f"{n},p{n}@corp.example,{'Right now' if n % 3 else 'later'},{n % 977},{n % 2}"
        for n in range(1, rows + 1)
    ]
    return ("\n".join(lines) + "\n").encode()


def _started(client, url, content) -> ImportRun:
    _upload(client, content, url=url)
    run = _run()
    import_start(
        run=run,
        options=ImportOptions(
            outcome_column="Converted",
            positive_values=["1"],
            order_by="Lead Number",
            mapping={"Email": "work_e_mail", "Timeline": "timeline", "Budget": "budget"}
            if run.form
            else None,
        ),
        form_name="Big history",
    )
    assert run.status == "queued"
    return run


def test_imported_history_joins_its_people_and_a_later_submit_finds_their_past(
    marketer_client,
):
    history = HISTORY + "5,A@Corp.example,later,70,Open,0\n"  # a@corp.example once more
    _upload(marketer_client, history.encode())
    run = _run()
    _start(marketer_client, run, kind_3="number")
    _worker("imports")

    run.refresh_from_db()
    assert run.status == "succeeded"
    imported = Lead.objects.filter(form=run.form).select_related("contact")
    assert Contact.objects.count() == 4
    assert {lead.contact.email_normalized for lead in imported} == {
        "a@corp.example",
        "b@mail.example",
        "c@corp.example",
        "d@corp.example",
    }
    ada = Contact.objects.get(email_normalized="a@corp.example")
    assert ada.email == "A@Corp.example"  # as last given
    assert ada.leads.count() == 2

    lead = lead_capture(
        form=run.form,
        answers={"email": "a@CORP.example", "timeline": "right_now", "budget": 900},
        capture={},
    ).lead

    assert lead.contact_id == ada.pk and Contact.objects.count() == 4
    assert ada.leads.count() == 3


def test_an_import_cancelled_while_it_runs_stops_and_removes_what_it_stored(
    marketer_client, draft_form
):
    Lead.objects.create(
        form=draft_form, answers={"timeline": "now"}, created_at="2026-01-01T00:00Z"
    )
    run = _started(marketer_client, "/app/forms/pricing/models/import/", _big_history(60_000))
    worker = threading.Thread(target=import_run_execute, args=(run.pk,))
    worker.start()
    deadline = time.monotonic() + 60
    while ImportRun.objects.get(pk=run.pk).rows_done < 2000 and time.monotonic() < deadline:
        time.sleep(0.01)
    response = marketer_client.post(
        f"/app/imports/{run.pk}/cancel/", headers={"HX-Request": "true"}
    )
    assert "Cancelling" in response.content.decode()
    worker.join(60)

    run.refresh_from_db()
    assert run.status == "cancelled"
    assert 2000 <= run.rows_done < 60_000  # it had stored some, and stopped
    assert list(Lead.objects.values_list("answers", flat=True)) == [{"timeline": "now"}]
    assert not Contact.objects.exists()


def test_a_queued_import_cancelled_never_runs(marketer_client):
    run = _started(marketer_client, NEW_URL, HISTORY.encode())
    import_cancel(run=run)
    _worker("imports")
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert not Form.objects.exists() and not Lead.objects.exists()


def test_an_import_that_fails_midway_leaves_no_lead_and_no_new_form(marketer_client):
    run = _started(marketer_client, NEW_URL, _big_history(60_000))
    path = storages["imports"].path(run.file_name)
    worker = threading.Thread(target=import_run_execute, args=(run.pk,))
    worker.start()
    deadline = time.monotonic() + 60
    while ImportRun.objects.get(pk=run.pk).rows_done < 2000 and time.monotonic() < deadline:
        time.sleep(0.01)
    # The file turns unreadable under the running import (a broken quote near its end).
    with open(path, "r+b") as stored:
        stored.seek(-200, 2)
        stored.write(b'9,"x"y,later,1,1\n' * 5)
    # Reading on to the broken end of 60,000 rows takes a minute or more on a busy machine.
    worker.join(300)
    assert not worker.is_alive()

    run.refresh_from_db()
    assert run.status == "failed"
    assert "Nothing was imported: This is not a readable CSV file" in run.message
    assert run.rows_done >= 2000
    assert not Lead.objects.exists()
    assert not Form.objects.exists() and not Question.objects.exists()
    assert not Contact.objects.exists()  # nor the people it brought in


def test_a_run_whose_worker_died_is_cleaned_up_by_cancel(marketer_client, draft_form):
    run = _started(marketer_client, "/app/forms/pricing/models/import/", HISTORY.encode())
    # A worker claimed it, stored a batch, and was killed: no batch for a quarter of an hour.
    a_while_ago = timezone.now() - timedelta(minutes=15)
    ImportRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=a_while_ago)
    Lead.objects.create(
        form=draft_form, capture={"imported": {"line": 2, "run": run.pk}}, created_at=a_while_ago
    )
    Lead.objects.create(form=draft_form, answers={"timeline": "now"}, created_at=a_while_ago)

    marketer_client.post(f"/app/imports/{run.pk}/cancel/")

    run.refresh_from_db()
    assert (run.status, run.message) == (
        "cancelled",
        "Cancelled after its worker stopped; nothing was kept.",
    )
    assert list(Lead.objects.values_list("answers", flat=True)) == [{"timeline": "now"}]
    assert not Contact.objects.exists()
    assert not storages["imports"].exists(run.file_name)


def test_a_running_import_with_a_live_worker_is_only_asked_to_stop(marketer_client):
    run = _started(marketer_client, NEW_URL, HISTORY.encode())
    ImportRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=timezone.now())

    import_cancel(run=run)

    assert (run.status, run.cancel_requested) == ("running", True)


# Queues: a long import never delays a notification.


def test_imports_and_trainings_have_their_own_queues_which_the_default_worker_leaves(
    marketer_client,
):
    assert import_run_task.queue_name == "imports"
    assert training_run.queue_name == "training"
    assert deliver_notifications.queue_name == "default"
    run = _started(marketer_client, NEW_URL, HISTORY.encode())
    notification = deliver_notifications.enqueue([123456])  # no such row: delivered as nothing

    _worker("default")

    assert DBTaskResult.objects.get(id=notification.id).status == "SUCCESSFUL"
    assert DBTaskResult.objects.get(task_path=import_run_task.module_path).status == "READY"
    assert ImportRun.objects.get(pk=run.pk).status == "queued"
    _worker("imports")
    assert ImportRun.objects.get(pk=run.pk).status == "succeeded"


# Real sizes: a 50 MB file goes to storage, not to memory or the session.


def test_a_50_mb_file_is_streamed_to_storage_and_imported_by_the_task(
    marketer_client, tmp_path, imports_in_tmp
):
    note = "n" * 1900
    lines = ["Lead Number,Email,Timeline,Budget,Note,Converted"]
    lines += [
        f"{n},p{n}@corp.example,{'Right now' if n % 3 else 'later'},{n % 977},{note}{n},{n % 2}"
        for n in range(1, 26_001)
    ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n")
    size = path.stat().st_size
    assert size > 50_000_000

    started = time.monotonic()
    with path.open("rb") as handle:
        response = marketer_client.post(NEW_URL, {"file": handle})
    uploaded = time.monotonic() - started
    run = _run()
    assert response["Location"] == f"/app/imports/{run.pk}/"
    assert run.size == size and storages["imports"].size(run.file_name) == size
    assert "csv" not in str(dict(marketer_client.session))

    started = time.monotonic()
    _start(marketer_client, run, order_by="Lead Number", kind_4="skip")
    _worker("imports")
    imported = time.monotonic() - started
    run.refresh_from_db()
    assert (run.status, run.rows_done) == ("succeeded", 26_000)
    assert Lead.objects.count() == 26_000
    assert "note" not in {q.key for q in run.form.questions.all()}
    print(
        f"\n50 MB upload: {size / 1e6:.1f} MB in {uploaded:.1f} s; "
        f"preview+start+import of 26,000 rows in {imported:.1f} s"
    )
