import os
import random
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from forms_app.demo.history import DEMO_QUESTIONS, demo_form_create, demo_lead
from forms_app.models import Form, Question
from scoring.features import QuestionInput
from scoring.services import model_version_activate, model_version_register
from tests.helpers.training import ENGINE_MINIMUM

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def outgoing_requests_to_local_receivers(settings):
    """Webhook and Slack receivers in tests listen on 127.0.0.1, as an on-premise CRM would."""
    settings.FORMSCORE_OUTGOING_ALLOW_PRIVATE = True


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


@pytest.fixture(scope="session")
def demo_training():
    """A real model trained once per test run on generated demo history (no database needed)."""
    from scoring import training

    rng = random.Random(11)
    start = timezone.now() - timedelta(days=300)
    leads, outcomes, times = [], [], []
    for i in range(1500):
        created = start + timedelta(hours=4 * i)
        answers, capture, probability = demo_lead(rng, created)
        leads.append({"answers": answers, "capture": capture})
        outcomes.append(rng.random() < probability)
        times.append(created)
    questions = [
        QuestionInput(
            key=q["key"],
            label=q["label"],
            kind=q["kind"],
            choices=tuple((c["value"], c["label"]) for c in q.get("choices", [])),
            feeds_score=q.get("feeds_score", False),
        )
        for q in DEMO_QUESTIONS
    ]
    return training.train(
        spec_questions=questions,
        leads=leads,
        outcomes=outcomes,
        times=times,
        **ENGINE_MINIMUM,
    )


@pytest.fixture
def scored_demo_form(demo_form, demo_training) -> Form:
    """The demo form with a real trained ONNX model active."""
    version = model_version_register(form_id=demo_form.pk, result=demo_training)
    model_version_activate(version=version, reason="test fixture")
    return demo_form


@pytest.fixture
def draft_form(db) -> Form:
    """A draft with an e-mail, a timeline choice and a conditional follow-up."""
    form = Form.objects.create(name="Pricing request", slug="pricing")
    Question.objects.create(form=form, label="Work e-mail", kind="email", required=True, position=0)
    Question.objects.create(
        form=form,
        label="Timeline",
        kind="single_choice",
        position=1,
        choices=[
            {"value": "now", "label": "Right now"},
            {"value": "later", "label": "Later this year"},
        ],
        feeds_score=True,
    )
    Question.objects.create(
        form=form,
        label="Budget",
        kind="number",
        position=2,
        required=True,
        condition={"question": "timeline", "values": ["now"]},
    )
    form.refresh_from_db()
    return form
