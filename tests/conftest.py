import os

import pytest
from django.core.cache import cache

from forms_app.demo import demo_form_create
from forms_app.models import Form, Question

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def spam_defences_for_fast_tests(settings):
    """Tests fill forms in milliseconds and submit many from one address: lift the minimum fill
    time and start every test with an empty rate-limit cache (tests/embed/ test both defences)."""
    settings.FORMSCORE_MIN_FILL_SECONDS = 0
    cache.clear()


@pytest.fixture
def demo_form(db) -> Form:
    return demo_form_create()


@pytest.fixture
def make_form(db):
    """A published form with the given questions: make_form(("Label", "kind", {...}), …)."""

    def make(*questions, slug="contact", status=Form.Status.PUBLISHED) -> Form:
        form = Form.objects.create(name=slug.title(), slug=slug, status=status)
        for position, (label, kind, options) in enumerate(questions):
            Question.objects.create(form=form, label=label, kind=kind, position=position, **options)
        form.refresh_from_db()
        return form

    return make
