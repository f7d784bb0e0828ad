"""Submitting a public form over plain HTTP, the way a browser does."""

import re
from html.parser import HTMLParser


def token_from(response) -> str:
    return re.search(r'name="_fs_token" value="([^"]+)"', response.content.decode()).group(1)


def submit(client, slug, answers, **extra):
    page = client.get(f"/f/{slug}/?utm_source=linkedin&utm_campaign=spring")
    data = {
        **answers,
        "_fs_token": token_from(page),
        "_fs_utm_source": "linkedin",
        "_fs_utm_campaign": "spring",
    }
    return client.post(f"/f/{slug}/", data, **extra)


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
