"""The preview scores answers without storing them; the embed page gives working snippets."""

from django.conf import settings

from forms_app.models import Lead
from scoring.models import PointsRule


def _score(client, data, htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post("/app/forms/pricing/preview/score/", data, headers=headers)


def test_the_preview_shows_the_form_beside_its_score(marketer_client, draft_form):
    page = marketer_client.get("/app/forms/pricing/preview/").content.decode()
    assert "As a prospect sees it" in page
    assert 'name="work_e_mail"' in page
    assert 'id="score-panel"' in page
    assert 'hx-post="/app/forms/pricing/preview/score/"' in page


def test_changing_an_answer_changes_the_score_and_nothing_is_stored(marketer_client, draft_form):
    PointsRule.objects.create(
        form=draft_form, key="timeline", operator="equals", value="now", points=85
    )
    later = _score(marketer_client, {"timeline": "later"}).content.decode()
    now = _score(marketer_client, {"timeline": "now"}).content.decode()

    assert 'id="score-panel"' in later and "<html" not in later
    assert 'data-testid="points">0<' in later
    assert 'data-testid="points">85<' in now
    assert "Timeline is Right now" in now
    assert "Sales-ready" in now
    assert Lead.objects.count() == 0


def test_unanswered_questions_are_not_flagged_but_mistakes_are(marketer_client, draft_form):
    page = _score(marketer_client, {"work_e_mail": "not-an-address"}, htmx=False)
    text = page.content.decode()
    assert "Enter a valid email address." in text
    assert "This field is required." not in text


def test_visitor_signals_feed_the_preview(marketer_client, draft_form):
    PointsRule.objects.create(
        form=draft_form,
        source="capture",
        key="utm_source",
        operator="equals",
        value="google",
        points=30,
    )
    panel = _score(marketer_client, {"_capture_utm_source": "google"}).content.decode()
    assert 'data-testid="points">30<' in panel


def test_the_preview_costs_few_queries(marketer_client, draft_form, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        assert _score(marketer_client, {"timeline": "now"}).status_code == 200


def test_the_embed_page_gives_the_script_and_iframe_snippets(marketer_client, draft_form):
    page = marketer_client.get("/app/forms/pricing/embed/").content.decode()
    site = settings.SITE_URL
    assert (
        f"&lt;script src=&quot;{site}/embed.js&quot; data-form=&quot;pricing&quot; async&gt;"
        in page
    )
    # The plain iframe is marked embedded and tall enough for the whole form (it cannot resize).
    assert f"&lt;iframe src=&quot;{site}/f/pricing/?embed=1&quot;" in page
    assert "height=&quot;700&quot;" in page
    assert "/app/forms/pricing/embed/test/" in page
    assert "This form is a draft" in page


def test_the_embed_test_page_carries_both_snippets(marketer_client, draft_form):
    page = marketer_client.get("/app/forms/pricing/embed/test/").content.decode()
    assert 'data-form="pricing"' in page
    assert '<iframe src="/f/pricing/?embed=1"' in page
