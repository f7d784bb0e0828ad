"""A synthetic form with planted effects: what the engine's tests and benchmarks train on.

Unlike the demo's history (forms_app/demo/history.py, stored as leads), this is plain rows in the
shape `scoring.training.train` takes, so the engine can be exercised without a database.
"""

import math
from datetime import datetime, timedelta

import numpy as np

from scoring.features import QuestionInput

DEMO_TIMELINE_EFFECT = {
    "within_1_month": 2.2,
    "1_3_months": 0.8,
    "3_6_months": 0.0,
    "no_plans": -2.0,
}


def demo_dataset(n: int = 600, seed: int = 0) -> dict:
    """A synthetic form with known effects, for tests, benchmarks and a demo command.

    Returns ``{"questions", "key_pages", "leads", "outcomes", "times"}``. Planted effects on the
    log-odds: timeline (``DEMO_TIMELINE_EFFECT``: "within 1 month" strongly up, "no plans"
    strongly down), a business e-mail up, role CEO up and student down, a visit to /pricing up,
    interest in careers down, more page views up, a form filled in under 15 s down.
    """
    rng = np.random.default_rng(seed)
    questions = [
        QuestionInput(
            "timeline",
            "Timeline",
            "single_choice",
            (
                ("within_1_month", "within 1 month"),
                ("1_3_months", "1-3 months"),
                ("3_6_months", "3-6 months"),
                ("no_plans", "no plans"),
            ),
        ),
        QuestionInput(
            "role",
            "Your role",
            "dropdown",
            (
                ("ceo", "CEO"),
                ("manager", "Manager"),
                ("engineer", "Engineer"),
                ("student", "Student"),
            ),
        ),
        QuestionInput("company_size", "Company size", "number"),
        QuestionInput(
            "interests",
            "Interested in",
            "multiple_choice",
            (("pricing", "Pricing"), ("security", "Security"), ("careers", "Careers")),
        ),
        QuestionInput("newsletter", "Send me the newsletter", "consent"),
        QuestionInput("company", "Company", "short_text"),
        QuestionInput("email", "Work e-mail", "email", feeds_score=False),
        QuestionInput("campaign", "Campaign", "hidden"),
        QuestionInput("notes", "Anything else?", "long_text", feeds_score=False),
    ]
    key_pages = ["/pricing", "/demo"]
    role_effect = {"ceo": 0.6, "manager": 0.2, "engineer": 0.0, "student": -1.2}
    start = datetime(2026, 1, 1)
    leads, outcomes, times = [], [], []
    for i in range(n):
        timeline = str(rng.choice(list(DEMO_TIMELINE_EFFECT), p=[0.2, 0.3, 0.25, 0.25]))
        role = str(rng.choice(list(role_effect), p=[0.15, 0.35, 0.3, 0.2]))
        size = None if rng.random() < 0.15 else int(rng.lognormal(3.5, 1.5))
        interests = [o for o in ("pricing", "security", "careers") if rng.random() < 0.35]
        business = rng.random() < 0.55
        email = f"lead{i}@{'acme' + str(i % 37) + '.com' if business else 'gmail.com'}"
        visited = [p for p in ("/pricing", "/demo", "/blog") if rng.random() < 0.3]
        page_views = int(rng.poisson(4)) + len(visited)
        seconds = float(rng.lognormal(3.8, 0.6))
        logit = (
            -1.2
            + DEMO_TIMELINE_EFFECT[timeline]
            + role_effect[role]
            + (0.8 if business else -0.3)
            + (0.3 * math.log1p(size) - 1.0 if size is not None else 0.0)
            + (1.0 if "/pricing" in visited else 0.0)
            + (-0.8 if "careers" in interests else 0.0)
            + 0.08 * page_views
            + (-1.0 if seconds < 15 else 0.0)
        )
        outcomes.append(bool(rng.random() < 1.0 / (1.0 + math.exp(-logit))))
        leads.append(
            {
                "answers": {
                    "timeline": timeline,
                    "role": role,
                    "company_size": size,
                    "interests": interests,
                    "newsletter": bool(rng.random() < 0.5),
                    "company": "" if rng.random() < 0.3 else f"Company {i}",
                    "email": email,
                    "campaign": str(rng.choice(["spring", "summer", "autumn", f"rare{i}"])),
                },
                "capture": {
                    "utm_source": str(rng.choice(["google", "linkedin", "newsletter", ""])),
                    "utm_medium": str(rng.choice(["cpc", "email", "social"])),
                    "referrer": str(
                        rng.choice(
                            [
                                "https://www.google.com/search?q=x",
                                "https://news.ycombinator.com/",
                                "",
                            ]
                        )
                    ),
                    "device": str(rng.choice(["desktop", "mobile", "tablet"], p=[0.6, 0.35, 0.05])),
                    "seconds_to_complete": seconds,
                    "page_views": page_views,
                    "key_pages": visited,
                },
            }
        )
        times.append(start + timedelta(hours=i))
    return {
        "questions": questions,
        "key_pages": key_pages,
        "leads": leads,
        "outcomes": outcomes,
        "times": times,
    }
