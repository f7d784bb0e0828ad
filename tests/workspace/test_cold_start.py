"""Cold start, stated: one minimum of labelled history, shown on the models page until reached."""

import re

from django.utils import timezone

from forms_app.models import Lead


def _outcomes(form, *, won: int, lost: int, partial_won: int = 0) -> None:
    now = timezone.now()
    Lead.objects.bulk_create(
        [
            Lead(form=form, answers={}, capture={}, created_at=now, status=status, **extra)
            for status, count, extra in (
                ("won", won, {}),
                ("lost", lost, {}),
                ("won", partial_won, {"is_partial": True}),
                ("new", 5, {}),  # no outcome yet: never counted
            )
            for _ in range(count)
        ]
    )


def _train_button(page: str) -> str:
    return re.search(r"<button[^>]*>Train now</button>", page).group(0)


def test_until_the_minimum_the_page_shows_the_progress_and_train_waits(marketer_client, draft_form):
    _outcomes(draft_form, won=12, lost=230, partial_won=30)

    page = marketer_client.get("/app/forms/pricing/models/").content.decode()

    assert (
        "The points system scores this form until it has"
        " <strong>40 converted and 40 not-converted leads</strong> with an outcome:"
        " 12 of 40 converted, 230 of 40 not converted." in page
    )
    assert 'role="progressbar"' in page
    assert 'aria-valuenow="12" aria-valuetext="12 of 40 converted"' in page
    assert 'aria-valuenow="40" aria-valuetext="230 of 40 not converted"' in page
    assert "28 more needed" in page
    button = _train_button(page)
    assert "disabled" in button and 'aria-describedby="cold-start-text"' in button


def test_the_minimum_is_the_setting_and_once_reached_train_is_offered(
    marketer_client, draft_form, settings
):
    settings.FORMSCORE_MIN_CONVERTED = 12
    settings.FORMSCORE_MIN_NOT_CONVERTED = 200
    _outcomes(draft_form, won=12, lost=199)
    page = marketer_client.get("/app/forms/pricing/models/").content.decode()
    assert "12 of 12 converted, 199 of 200 not converted" in page

    _outcomes(draft_form, won=0, lost=1)
    page = marketer_client.get("/app/forms/pricing/models/").content.decode()
    assert 'id="cold-start"' not in page and "disabled" not in _train_button(page)
    assert "Enough leads have an outcome: train a model." in page
