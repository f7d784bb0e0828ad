import pytest

from forms_app.models import Form


@pytest.fixture
def trial_form(make_form) -> Form:
    """Three steps: contact details, needs (one question shown only for pricing), consent."""
    form = make_form(
        ("Work e-mail", "email", {"required": True, "step": 1}),
        ("Your name", "short_text", {"required": True, "step": 1}),
        (
            "Team size",
            "dropdown",
            {
                "required": True,
                "step": 2,
                "choices": [
                    {"value": "small", "label": "1–10"},
                    {"value": "medium", "label": "11–50"},
                    {"value": "large", "label": "51+"},
                ],
            },
        ),
        ("Interested in", "single_choice", {"step": 2, "choices": ["Demo", "Pricing"]}),
        (
            "Seats",
            "number",
            {"step": 2, "condition": {"question": "interested_in", "values": ["pricing"]}},
        ),
        ("Campaign", "hidden", {"url_parameter": "utm_campaign", "step": 3}),
        ("I agree to be contacted", "consent", {"required": True, "step": 3}),
        slug="trial",
    )
    return form
