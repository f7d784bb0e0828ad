"""The demo: a "Request a demo" form and a seeded, documented history of leads with outcomes.

The history is synthetic (it is labelled as demo data wherever it shows). Conversion depends on the
answers the way B2B buyers behave, including non-linear effects a points system misses:

* logit(p) = BASE + timeline + budget + company size + role + industry + country + source
  + free-mail penalty + fill-speed penalty + interactions, with
* interactions: a large budget from a 1–10 person company is usually not real (−1.6); a large
  company that wants to start within a month is very likely to buy (+1.0); an individual
  contributor converts in a large company but not a small one; executives who are "just
  researching" still convert; students never buy;
* behaviour a points system rarely uses: partner referrals convert best, and a form filled in
  under 20 seconds is usually not a serious enquiry;
* BASE is chosen so that about 10 % of leads convert.
Leads older than three weeks have an outcome (qualified or won if they converted, else lost or
unqualified); newer ones are still new or contacted.

A planted shift, so the drift view tells a story out of the box: two weeks ago a LinkedIn
campaign started. Most recent leads come from it (Google falls from about a third of the leads to
a tenth), and it brings small companies that are just researching, so this week's scores sit well
below the ones the model learned from. Those leads have no outcome yet: the model never saw them.
"""

import json
import math
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from forms_app.models import Form, Lead, Question
from forms_app.workspace.authoring import points_rule_add

DEMO_SLUG = "demo"

COMPANY_SIZES = [
    ("1_10", "1–10"),
    ("11_50", "11–50"),
    ("51_200", "51–200"),
    ("201_1000", "201–1,000"),
    ("1000_plus", "More than 1,000"),
]
TIMELINES = [
    ("within_1_month", "Within 1 month"),
    ("1_3_months", "In 1–3 months"),
    ("3_6_months", "In 3–6 months"),
    ("just_researching", "Just researching"),
]
BUDGETS = [
    ("under_5k", "Under $5k"),
    ("5k_20k", "$5k–$20k"),
    ("20k_50k", "$20k–$50k"),
    ("over_50k", "Over $50k"),
    ("not_sure", "Not sure yet"),
]
INDUSTRIES = [
    ("saas", "Software / SaaS"),
    ("ecommerce", "E-commerce"),
    ("financial_services", "Financial services"),
    ("healthcare", "Healthcare"),
    ("manufacturing", "Manufacturing"),
    ("education", "Education"),
    ("agency", "Agency"),
    ("other", "Other"),
]
ROLES = [
    ("founder_ceo", "Founder / CEO"),
    ("vp_head", "VP / Head of department"),
    ("manager", "Manager"),
    ("individual_contributor", "Individual contributor"),
    ("student", "Student"),
]
COUNTRIES = [
    ("us", "United States"),
    ("uk", "United Kingdom"),
    ("de", "Germany"),
    ("fr", "France"),
    ("ca", "Canada"),
    ("au", "Australia"),
    ("in", "India"),
    ("br", "Brazil"),
    ("other", "Other"),
]


def _choices(pairs):
    return [{"value": value, "label": label} for value, label in pairs]


DEMO_QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "work_email",
        "label": "Work e-mail",
        "kind": "email",
        "required": True,
        "help_text": "We'll send the meeting invite here.",
        "feeds_score": True,
    },
    {"key": "full_name", "label": "Your name", "kind": "short_text", "required": True},
    {"key": "company", "label": "Company", "kind": "short_text", "required": True},
    {
        "key": "company_size",
        "label": "Company size",
        "kind": "dropdown",
        "required": True,
        "choices": _choices(COMPANY_SIZES),
        "feeds_score": True,
    },
    {
        "key": "timeline",
        "label": "When do you want to start?",
        "kind": "single_choice",
        "required": True,
        "choices": _choices(TIMELINES),
        "feeds_score": True,
    },
    {
        "key": "budget",
        "label": "Budget",
        "kind": "single_choice",
        "required": False,
        "choices": _choices(BUDGETS),
        "feeds_score": True,
    },
    {
        "key": "industry",
        "label": "Industry",
        "kind": "dropdown",
        "required": True,
        "choices": _choices(INDUSTRIES),
        "feeds_score": True,
    },
    {
        "key": "role",
        "label": "Your role",
        "kind": "dropdown",
        "required": True,
        "choices": _choices(ROLES),
        "feeds_score": True,
    },
    {
        "key": "country",
        "label": "Country",
        "kind": "dropdown",
        "required": True,
        "choices": _choices(COUNTRIES),
        "feeds_score": True,
    },
    {
        "key": "consent",
        "label": "I agree to be contacted about formscore.",
        "kind": "consent",
        "required": True,
        "help_text": "We use your details only to arrange the demo. Unsubscribe at any time.",
    },
]

BASE = -2.85
EFFECTS = {
    "timeline": {
        "within_1_month": 1.5,
        "1_3_months": 0.8,
        "3_6_months": 0.0,
        "just_researching": -1.3,
    },
    "budget": {
        "under_5k": -0.8,
        "5k_20k": 0.0,
        "20k_50k": 0.6,
        "over_50k": 1.0,
        "not_sure": -0.3,
        None: -0.4,
    },
    "company_size": {"1_10": -0.7, "11_50": 0.0, "51_200": 0.4, "201_1000": 0.7, "1000_plus": 0.4},
    "role": {
        "founder_ceo": 0.5,
        "vp_head": 0.8,
        "manager": 0.2,
        "individual_contributor": -0.4,
        "student": -4.0,
    },
    "industry": {
        "saas": 0.5,
        "ecommerce": 0.1,
        "financial_services": 0.4,
        "healthcare": 0.0,
        "manufacturing": -0.1,
        "education": -0.5,
        "agency": -0.3,
        "other": -0.4,
    },
    "country": {
        "us": 0.2,
        "uk": 0.1,
        "de": 0.1,
        "fr": 0.0,
        "ca": 0.1,
        "au": 0.0,
        "in": -0.4,
        "br": -0.3,
        "other": -0.4,
    },
    "utm_source": {"google": 0.0, "linkedin": 0.3, "newsletter": 0.2, "partner": 0.7, None: 0.0},
}
FREE_MAIL_PENALTY = -1.0
FAST_FILL_PENALTY = -1.2

_WEIGHTS = {
    "company_size": [30, 28, 20, 13, 9],
    "timeline": [15, 25, 22, 38],
    "budget": [25, 25, 15, 8, 27],
    "industry": [24, 14, 10, 8, 9, 10, 12, 13],
    "role": [18, 16, 30, 28, 8],
    "country": [34, 12, 9, 6, 6, 5, 12, 6, 10],
}
_OPTIONS = {
    "company_size": COMPANY_SIZES,
    "timeline": TIMELINES,
    "budget": BUDGETS,
    "industry": INDUSTRIES,
    "role": ROLES,
    "country": COUNTRIES,
}
# Names and company words of the synthetic prospects.
_NAMES = json.loads((Path(__file__).parent / "names.json").read_text())
_FREE_MAIL = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "proton.me"]
_SOURCES = [
    ("google", "cpc"),
    ("linkedin", "paid_social"),
    ("newsletter", "email"),
    ("partner", "referral"),
    (None, None),
]


def _pick(rng: random.Random, name: str) -> str:
    return rng.choices([value for value, _ in _OPTIONS[name]], weights=_WEIGHTS[name])[0]


def conversion_probability(answers: dict[str, Any], capture: dict[str, Any]) -> float:
    """The generator's true probability that this demo lead converts."""
    logit = BASE
    for name in ("timeline", "company_size", "role", "industry", "country"):
        logit += EFFECTS[name][answers[name]]
    logit += EFFECTS["budget"][answers.get("budget")]
    logit += EFFECTS["utm_source"][capture.get("utm_source")]
    if answers["work_email"].split("@")[1] in _FREE_MAIL:
        logit += FREE_MAIL_PENALTY
    if capture.get("seconds_to_complete", 60) < 20:
        logit += FAST_FILL_PENALTY
    large = answers["company_size"] in {"201_1000", "1000_plus"}
    if answers["company_size"] == "1_10" and answers.get("budget") in {"20k_50k", "over_50k"}:
        logit -= 1.6
    if large and answers["timeline"] == "within_1_month":
        logit += 1.0
    if answers["role"] == "individual_contributor":
        logit += 0.6 if large else -0.5  # a champion inside a big account, or a tyre-kicker
    if answers["role"] == "vp_head" and answers["timeline"] == "just_researching":
        logit += 0.9  # executives research before a budgeted project
    return 1 / (1 + math.exp(-logit))


def demo_lead(rng: random.Random, created_at: datetime) -> tuple[dict, dict, float]:
    """Answers, capture metadata and true conversion probability of one synthetic lead."""
    first, last = rng.choice(_NAMES["first_names"]), rng.choice(_NAMES["last_names"])
    company = (
        f"{rng.choice(_NAMES['company_first_words'])} {rng.choice(_NAMES['company_second_words'])}"
    )
    domain = (
        rng.choice(_FREE_MAIL)
        if rng.random() < 0.22
        else company.lower().replace(" ", "") + ".example"
    )
    answers: dict[str, Any] = {
        "work_email": f"{first}.{last}@{domain}".lower(),
        "full_name": f"{first} {last}",
        "company": company,
        **{name: _pick(rng, name) for name in _OPTIONS},
        "consent": True,
    }
    if answers["budget"] == "not_sure" and rng.random() < 0.4:
        del answers["budget"]  # optional question left blank
    source, medium = rng.choices(_SOURCES, weights=[35, 20, 15, 8, 22])[0]
    capture: dict[str, Any] = {
        "device": rng.choices(["desktop", "mobile", "tablet"], weights=[68, 28, 4])[0],
        "seconds_to_complete": round(rng.lognormvariate(4.1, 0.55), 1),
        "referrer": "https://www.google.com/" if source == "google" else "",
    }
    if source:
        capture.update(
            utm_source=source,
            utm_medium=medium,
            utm_campaign=f"{source}-q{(created_at.month - 1) // 3 + 1}",
        )
    return answers, capture, conversion_probability(answers, capture)


# The points system a marketer would set up by hand: version 0 of the demo form.
DEMO_POINTS_RULES = [
    ("answer", "timeline", "equals", "within_1_month", 30),
    ("answer", "timeline", "equals", "1_3_months", 15),
    ("answer", "budget", "in", ["20k_50k", "over_50k"], 20),
    ("answer", "company_size", "in", ["51_200", "201_1000", "1000_plus"], 15),
    ("answer", "role", "in", ["founder_ceo", "vp_head"], 15),
    ("answer", "work_email", "email_domain_kind", "business", 15),
    ("answer", "industry", "equals", "saas", 5),
    ("answer", "role", "equals", "student", -40),
]


def demo_form_create() -> Form:
    """The published "Request a demo" form, created once."""
    form, created = Form.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "name": "Request a demo",
            "description": "Tell us a little about your team and we'll tailor a 30-minute demo.",
            "status": Form.Status.PUBLISHED,
            "submit_label": "Request my demo",
            "is_demo": True,
        },
    )
    if created:
        for position, spec in enumerate(DEMO_QUESTIONS):
            Question.objects.create(form=form, position=position, **spec)
        for source, key, operator, value, points in DEMO_POINTS_RULES:
            points_rule_add(
                form=form, source=source, key=key, operator=operator, value=value, points=points
            )
        form.refresh_from_db()
    return form


CAMPAIGN_DAYS = 14  # the planted shift: the LinkedIn campaign of the last two weeks
CAMPAIGN_SHARE = 0.7  # of the leads since, it brought this share


def campaign_lead(rng: random.Random, answers: dict[str, Any], capture: dict[str, Any]) -> None:
    """Turn a recent lead into one of the LinkedIn campaign's: small, early, from paid social."""
    capture.update(
        utm_source="linkedin", utm_medium="paid_social", utm_campaign="linkedin-launch", referrer=""
    )
    if rng.random() < 0.8:
        answers["company_size"] = rng.choice(["1_10", "11_50"])
    if rng.random() < 0.65:
        answers["timeline"] = "just_researching"


def demo_history_create(form: Form, *, count: int = 3000, seed: int = 7) -> int:
    """Seeded historical leads spread over the last 12 months; returns how many were added."""
    if form.leads.filter(source=Lead.Source.DEMO).exists():
        return 0
    rng = random.Random(seed)
    # Contact times draw from their own generator, so the leads and outcomes stay the same.
    contact_rng = random.Random(seed + 1)
    # The campaign too: the older history stays exactly what it was before the shift was planted.
    campaign_rng = random.Random(seed + 2)
    now = timezone.now()
    leads = []
    for _ in range(count):
        created_at = now - timedelta(seconds=rng.uniform(3600, 365 * 86400))
        answers, capture, probability = demo_lead(rng, created_at)
        recent = now - created_at < timedelta(days=CAMPAIGN_DAYS)
        if recent and campaign_rng.random() < CAMPAIGN_SHARE:
            campaign_lead(campaign_rng, answers, capture)
            probability = conversion_probability(answers, capture)
        status, amount, changed = Lead.Status.NEW, None, None
        if now - created_at > timedelta(days=21):
            changed = created_at + timedelta(days=rng.uniform(2, 20))
            if rng.random() < probability:
                if rng.random() < 0.35:
                    status, amount = Lead.Status.WON, rng.choice([4800, 9600, 18000, 36000])
                else:
                    status = Lead.Status.QUALIFIED
            else:
                status = Lead.Status.LOST if rng.random() < 0.4 else Lead.Status.UNQUALIFIED
        elif rng.random() < 0.5:
            status, changed = (
                Lead.Status.CONTACTED,
                created_at + timedelta(hours=rng.uniform(1, 48)),
            )
        contacted = None
        if changed is not None:
            # Promising leads get a call sooner: hours, against a day or two for the rest.
            hours = contact_rng.expovariate(1 / (0.25 + 48 * (1 - probability) ** 3))
            contacted = min(changed, created_at + timedelta(hours=hours))
        leads.append(
            Lead(
                form=form,
                answers=answers,
                capture=capture,
                source=Lead.Source.DEMO,
                created_at=created_at,
                status=status,
                status_changed_at=changed,
                first_contacted_at=contacted,
                won_amount=amount,
                won_on=changed.date() if status == Lead.Status.WON else None,
            )
        )
    with transaction.atomic():
        Lead.objects.bulk_create(leads, batch_size=500)
    return len(leads)
