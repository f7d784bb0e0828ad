from html.parser import HTMLParser

import pytest

from forms_app.models import Form


class _HiddenInputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.pairs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.pairs.append((attributes["name"], attributes.get("value") or ""))


def hidden_inputs(response) -> dict[str, list[str]]:
    """The hidden inputs of the page, as a browser would send them back."""
    parser = _HiddenInputs()
    parser.feed(response.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.pairs:
        data.setdefault(name, []).append(value)
    return data


def send(client, slug: str, page, answers: dict, **headers):
    """Submit the form shown on page (its hidden inputs) with these answers, like a browser."""
    return client.post(f"/f/{slug}/", {**hidden_inputs(page), **answers}, **headers)


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
