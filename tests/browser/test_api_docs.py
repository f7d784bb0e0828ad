"""A developer opens /api/docs/: Swagger UI renders every operation under the site's CSP."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_every_operation_with_nothing_blocked(live_server, page):
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/api/docs/")

    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=15_000)
    assert operations.count() == 7
    expect(page.get_by_text("Submit a lead").first).to_be_visible()
    assert problems == []
