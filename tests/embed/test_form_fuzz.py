"""The form page's POST fuzzed with hypothesis: whatever a client sends, a clear answer, never
a 5xx, and a lead only when the answers were good."""

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms_app.models import Lead
from tests.helpers.answers import GOOD_ANSWERS
from tests.helpers.submit import token_from

pytestmark = pytest.mark.heavy

CLEAR_ANSWERS = {200, 302, 400, 403, 413, 422, 429}
FIELDS = [*GOOD_ANSWERS, "_fs_token", "_fs_step", "_fs_back", "_fs_page_url", "_fs_referrer"]
texts = st.text(max_size=300) | st.sampled_from(["", "0", "-1", "1e309", "9" * 400, "\x00", "on"])
values = texts | st.lists(texts, max_size=4)
posts = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=20), values, max_size=14)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=posts)
def test_whatever_is_posted_the_answer_is_clear_and_only_good_answers_store_a_lead(
    client, demo_form, changes
):
    cache.clear()  # the rate limit would answer 429 to everything after a while
    token = token_from(client.get("/f/demo/"))
    data = {**GOOD_ANSWERS, "_fs_token": token, **changes}
    before = Lead.objects.count()

    response = client.post("/f/demo/", data)

    assert response.status_code in CLEAR_ANSWERS
    stored = Lead.objects.count() - before
    assert stored == (1 if response.status_code == 302 else 0)
