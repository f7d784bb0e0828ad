"""A marketer imports past leads in a real browser, with real task workers in their own processes:
the full X Education file becomes a form, imports with progress, trains and is activated; a
`;`-separated Latin-1 file goes into an existing form, one column feeding a capture signal. No
shell, no admin. Screenshots of the preview, the progress and the result go to docs/screenshots/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from forms_app.models import Form, ImportRun, Lead, Question
from tests.helpers.browser import log_in, whole_page
from tests.helpers.shared_data import X_EDUCATION, X_SUSPECTS
from tests.helpers.worker import worker_process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
DOCS_SCREENSHOTS = REPO / "docs" / "screenshots"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shared_imports(settings, tmp_path):
    """One imports folder for the web process (this one) and the worker process."""
    folder = tmp_path / "imports"
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return {"FORMSCORE_IMPORTS_DIR": str(folder)}


def _shot(page, locator, name: str) -> None:
    DOCS_SCREENSHOTS.mkdir(exist_ok=True)
    locator.screenshot(path=str(DOCS_SCREENSHOTS / name))


@pytest.mark.skipif(not X_EDUCATION.exists(), reason=f"no shared data at {X_EDUCATION}")
def test_a_marketer_creates_a_form_from_the_x_education_file_imports_trains_and_activates(
    page, live_server, shared_imports, screenshot
):
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")
    # Batches of 200 leads: the page, polling every second, sees the import under way.
    with worker_process("imports,training", FORMSCORE_IMPORT_BATCH_ROWS="200", **shared_imports):
        page.goto(f"{live_server.url}/app/forms/")
        page.get_by_role("link", name="New form from a file").click()
        expect(page.get_by_text("Up to 50 MB")).to_be_visible()
        page.get_by_label("CSV file of past leads").set_input_files(str(X_EDUCATION))
        page.get_by_role("button", name="Upload and preview").click()

        # The preview: every column with its kind, the outcome and its values, the suspects.
        expect(page.get_by_role("heading", name="New form from Leads.csv")).to_be_visible()
        expect(page.get_by_test_id("row-count")).to_have_text("9,240 rows")
        expect(page.get_by_text("2.4 MB · comma-separated · UTF-8")).to_be_visible()
        expect(page.get_by_label("Column with the outcome")).to_have_value("Converted")
        expect(page.locator('input[name="positive"][value="1"]')).to_be_checked()
        expect(page.locator('input[name="positive"][value="0"]')).not_to_be_checked()
        suspects = page.locator(".leakage-suspects .suspect")
        expect(suspects).to_have_count(len(X_SUSPECTS))
        for column in X_SUSPECTS:
            box = page.locator(f'input[name="include"][value="{column}"]')
            expect(box).not_to_be_checked()  # the suggested exclusions, accepted as they are
        expect(page.get_by_text('"Tags" alone ranks the outcome at 0.9')).to_be_visible()
        expect(page.get_by_label("Lead Source", exact=True)).to_have_value("category")
        expect(page.get_by_label("TotalVisits", exact=True)).to_have_value("number")
        page.get_by_label("Prospect ID", exact=True).select_option("skip")
        page.get_by_label("Time order").select_option("Lead Number")
        page.get_by_label("Name of the new form").fill("X Education")
        page.get_by_role("button", name="Check again").click()
        expect(page.get_by_test_id("would-import")).to_have_text("9,240")
        expect(page.get_by_test_id("would-convert")).to_have_text("3,561")
        expect(page.get_by_label("Prospect ID", exact=True)).to_have_value("skip")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(DOCS_SCREENSHOTS / "import-preview.png"))  # what one sees first
        whole_page(page, screenshot, "import-preview-page")

        # Start: the progress, polled, until every lead is in.
        page.get_by_role("button", name="Start import").click()
        progress = page.get_by_role("progressbar", name="Import progress")
        expect(progress).to_be_visible()
        expect(page.get_by_test_id("rows-done")).to_be_visible(timeout=60_000)  # under way
        expect(progress).to_have_attribute("aria-valuemax", "9240")
        _shot(page, page.locator(".import-progress-card"), "import-progress.png")
        done = page.get_by_test_id("import-done")
        expect(done).to_contain_text("Imported 9,240 leads (3,561 converted)", timeout=120_000)
        expect(page.get_by_test_id("excluded-suspects")).to_contain_text("Tags")
        _shot(page, page.locator(".import-progress-card"), "import-done.png")
        run = ImportRun.objects.get()
        assert run.rows_done == run.rows_total == 9240
        seconds = (run.finished_at - run.started_at).total_seconds()
        print(f"\nX Education: 9,240 rows imported in {seconds:.1f} s, scan included")
        form = Form.objects.get(name="X Education")
        assert Lead.objects.filter(form=form).count() == 9240
        assert not Question.objects.filter(form=form, label__in=[*X_SUSPECTS, "Prospect ID"])

        # Train, read the verdict, activate.
        page.get_by_role("button", name="Train a model now").click()
        verdict = page.locator("#evidence").get_by_test_id("verdict")
        expect(verdict).to_be_visible(timeout=300_000)
        expect(verdict).to_contain_text("better than")
        activate = page.get_by_role("button", name="Activate v1")
        if activate.count():
            activate.click()
            expect(page.get_by_text("v1 now scores every new lead of this form.")).to_be_visible()
        expect(page.get_by_text("Scoring now")).to_be_visible()
        assert form.model_versions.get().status == "active"
        _shot(page, page.locator("#evidence"), "import-result.png")
        whole_page(page, screenshot, "import-result-page")


LATIN_1_CRM = (
    "Créé le;Courriel;Délai;Budget;utm_source;Résultat\n"
    "2026-01-02;a@corp.example;Right now;1000;Newsletter été;won\n"
    "2026-01-03;b@mail.example;later;5000;Google;lost\n"
    "2026-01-04;c@corp.example;LATER  this year;20;Müller Ads;won\n"
    "2026-01-05;d@corp.example;now;300;Google;lost\n"
)


def test_a_semicolon_latin_1_file_goes_into_an_existing_form_with_a_capture_signal(
    page, live_server, draft_form, shared_imports, tmp_path
):
    path = tmp_path / "crm-export.csv"
    path.write_bytes(LATIN_1_CRM.encode("latin-1"))
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, "morgan", "marketer")
    with worker_process("imports", **shared_imports):
        page.goto(f"{live_server.url}/app/forms/pricing/models/")
        page.get_by_label("CSV file of past leads").set_input_files(str(path))
        page.get_by_role("button", name="Upload and map columns").click()

        expect(page.get_by_text("semicolon-separated · Latin-1")).to_be_visible()
        page.get_by_label("Column with the outcome").select_option("Résultat")
        expect(page.locator('input[name="positive"][value="won"]')).to_be_checked()
        expect(page.get_by_label("utm_source", exact=True)).to_have_value("capture:utm_source")
        page.get_by_label("Courriel", exact=True).select_option("work_e_mail")
        page.get_by_label("Délai", exact=True).select_option("timeline")
        page.get_by_label("Budget", exact=True).select_option("budget")
        page.get_by_label("Time order").select_option("Créé le")
        page.get_by_role("button", name="Check again").click()
        expect(page.get_by_test_id("would-import")).to_have_text("4")
        expect(page.get_by_test_id("unmatched")).to_have_count(0)  # case and spaces aside
        _shot(page, page.locator("#import-form"), "import-existing-form.png")
        page.get_by_role("button", name="Start import").click()
        expect(page.get_by_test_id("import-done")).to_contain_text(
            "Imported 4 leads (2 converted)", timeout=60_000
        )

    leads = list(Lead.objects.filter(form=draft_form).order_by("created_at"))
    assert [lead.capture["utm_source"] for lead in leads] == [
        "Newsletter été",
        "Google",
        "Müller Ads",
        "Google",
    ]
    assert [lead.answers["timeline"] for lead in leads] == ["now", "later", "later", "now"]
