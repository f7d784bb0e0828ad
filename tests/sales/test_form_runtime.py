"""The submit path's per-process cache of a form's settings: read once, never stale.

Every write to what a submit reads changes the workspace's settings revision, which each submit
checks with one query; a change made by another process (here: a write that skips the signals,
then the revision bump that process's service would make) is seen by the next submit.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forms_app.capture.submit import lead_capture
from forms_app.models import Lead, RoutingRule, SettingsRevision
from scoring.models import PointsRule
from tests.helpers.answers import CONTACT_ANSWERS as ANSWERS
from tests.helpers.submit import submit, token_from

# Tables a submit reads only when the settings changed since the process last looked.
SETTINGS_TABLES = (
    "scoring_pointsrule",
    "scoring_modelversion",
    "forms_app_routingrule",
    "forms_app_team_members",
    "forms_app_question",
)


def capture(form) -> Lead:
    return lead_capture(form=form, answers=ANSWERS, capture={}).lead


def settings_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if any(table in q["sql"] for table in SETTINGS_TABLES)]


def test_a_warm_submit_reads_no_settings_and_a_fixed_number_of_queries(round_robin_rule):
    form = round_robin_rule.form
    capture(form)  # warm: loads the form's settings into this process

    with CaptureQueriesContext(connection) as queries:
        lead = capture(form)

    assert lead.assigned_to is not None
    assert settings_reads(queries.captured_queries) == []
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    # The revision, the team's cursor with its reps' open leads (one query), the cursor's move,
    # the lead's insert (with its rep) and its timeline entry: pinned, so a new per-submit query
    # shows.
    assert len(statements) == 5, statements


def test_a_points_rule_added_scores_the_next_submit(round_robin_rule):
    form = round_robin_rule.form
    before = capture(form).points_score

    PointsRule.objects.create(
        form=form, source="answer", key="company", operator="is_set", points=25
    )

    assert capture(form).points_score == before + 25


def test_a_rep_made_inactive_gets_no_more_leads(round_robin_rule, sam, riley, alex):
    form = round_robin_rule.form
    assert capture(form).assigned_to == sam

    riley.rep_profile.active = False
    riley.rep_profile.save()

    assert [capture(form).assigned_to for _ in range(2)] == [alex, sam]


def test_a_rule_edited_by_another_process_is_seen_after_its_revision_bump(
    round_robin_rule, sam, alex
):
    form = round_robin_rule.form
    capture(form)
    # Another process's write: this process's signals never see it, only the revision it bumps.
    RoutingRule.objects.filter(pk=round_robin_rule.pk).update(
        action=RoutingRule.Action.ASSIGN_REP, rep=alex
    )
    assert capture(form).assigned_to != alex  # still the cached rule: nothing told this process

    SettingsRevision.bump()

    assert capture(form).assigned_to == alex


def test_the_revision_changes_with_each_write_and_never_repeats(contact_form):
    seen = {SettingsRevision.current()}
    for points in (5, 10, 15):
        PointsRule.objects.create(
            form=contact_form, source="answer", key="company", operator="is_set", points=points
        )
        seen.add(SettingsRevision.current())
    assert len(seen) == 4


@pytest.mark.parametrize("closed", [0, 500])
def test_capacity_reads_each_reps_kept_count_whatever_the_history(
    round_robin_rule, sam, riley, closed
):
    """A rep at capacity is skipped however many leads they have closed: routing reads the open
    leads the database keeps per rep (one primary-key query) and counts no leads."""
    form = round_robin_rule.form
    sam.rep_profile.capacity = 2
    sam.rep_profile.save()
    now = timezone.now()
    Lead.objects.bulk_create(
        Lead(form=form, answers={}, capture={}, assigned_to=sam, status=status, created_at=now)
        for status in ["lost"] * closed + ["new", "contacted"]
    )

    with CaptureQueriesContext(connection) as queries:
        lead = capture(form)

    assert lead.assigned_to == riley
    sqls = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in sqls if "COUNT(" in sql.upper()]
    assert len([sql for sql in sqls if "forms_app_repopenleads" in sql]) == 1


def test_a_form_page_submit_reads_the_revision_once_and_sees_the_last_change(
    client, round_robin_rule, riley
):
    form = round_robin_rule.form
    submit(client, form.slug, ANSWERS)  # warm
    token = token_from(client.get(f"/f/{form.slug}/"))

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/f/{form.slug}/", {**ANSWERS, "_fs_token": token})
    assert response.status_code == 302
    revision_reads = [q for q in queries.captured_queries if "settingsrevision" in q["sql"]]
    assert len(revision_reads) == 1  # the form's row and its runtime share the request's read

    riley.rep_profile.active = False  # between two requests: the next one must see it
    riley.rep_profile.save()
    for _ in range(3):
        submit(client, form.slug, ANSWERS)
    assert riley.pk not in set(
        Lead.objects.order_by("-pk")[:3].values_list("assigned_to", flat=True)
    )
