"""Fixtures for the pure scoring tests: a demo form with planted effects, trained once."""

import pytest

from forms_app.demo.engine_dataset import demo_dataset
from scoring.training import train
from tests.helpers.training import ENGINE_MINIMUM

DEMO_RULES = [
    {
        "source": "answer",
        "key": "timeline",
        "operator": "equals",
        "value": "within_1_month",
        "points": 40,
    },
    {
        "source": "answer",
        "key": "email",
        "operator": "email_domain_kind",
        "value": "business",
        "points": 30,
    },
    {
        "source": "capture",
        "key": "key_pages",
        "operator": "contains",
        "value": "/pricing",
        "points": 20,
    },
]


@pytest.fixture(scope="session")
def demo():
    return demo_dataset(n=800, seed=0)


@pytest.fixture(scope="session")
def demo_result(demo):
    return train(
        **ENGINE_MINIMUM,
        spec_questions=demo["questions"],
        key_pages=demo["key_pages"],
        leads=demo["leads"],
        outcomes=demo["outcomes"],
        times=demo["times"],
        points_rules=DEMO_RULES,
        seed=0,
    )
