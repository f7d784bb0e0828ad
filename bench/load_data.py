"""The database side of `bench.load`: one process of the benchmark's own settings that answers
commands, one JSON object a line on standard input, each with one line of JSON:

    prepare                  reps with room for every lead; the routing rules
    history   total=N        the stored leads topped up to N (one INSERT … SELECT)
    tokens    count=N out=F  N request bodies in file F, each with a fresh form token
    tally     after=PK       the leads stored after PK: how many, routed how and to whom

A separate process because the benchmark prepares its own database (SQLite in a temporary folder,
or PostgreSQL) and Django configures one per process; a long-lived one so that counting after
each run costs no start-up.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load_settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max  # noqa: E402

from forms_app.capture.metadata import FIELD_PREFIX  # noqa: E402
from forms_app.capture.tokens import form_token_issue  # noqa: E402
from forms_app.demo.history import DEMO_SLUG  # noqa: E402
from forms_app.demo.sales import DEMO_REPS  # noqa: E402
from forms_app.models import Form, Lead, RepProfile, RoutingRule  # noqa: E402
from forms_app.sales.reps import rep_profile_save  # noqa: E402
from tests.helpers.answers import GOOD_ANSWERS  # noqa: E402

# Routing skips a rep with this many open leads; the runs and the history add far fewer.
REP_CAPACITY = 1_000_000
# The history's leads of the last OPEN_WEEKS weeks may still be open; older ones are closed.
OPEN_WEEKS = 2


def _demo_form() -> Form:
    return Form.objects.get(slug=DEMO_SLUG)


def _reps() -> list:
    profiles = RepProfile.objects.filter(user__username__in=[name for name, _, _ in DEMO_REPS])
    return [profile.user for profile in profiles.select_related("user").order_by("user_id")]


def prepare() -> dict:
    """Give the demo reps room for every lead of the run, so routing assigns each one.

    The demo's first rule sends sales-ready leads round-robin to the Sales team and the
    benchmark's answers are sales-ready: every submit is routed by it (tally checks each).
    """
    reps = _reps()
    for user in reps:
        profile = user.rep_profile
        rep_profile_save(
            user=user,
            display_name=profile.display_name,
            booking_url=profile.booking_url,
            active=True,
            capacity=REP_CAPACITY,
            teams=list(user.sales_teams.all()),
        )
    rules = RoutingRule.objects.filter(form=_demo_form(), enabled=True).order_by("position", "id")
    return {
        "reps": [user.username for user in reps],
        "rules": [f"{rule.name} ({rule.action})" for rule in rules],
        "leads": Lead.objects.count(),
    }


def history(total: int) -> dict:
    """Top the stored leads up to `total` in one INSERT … SELECT: copies of the demo's leads
    (answers, scores), shifted back a week per copy, assigned to the reps in turn, with mixed
    statuses (open ones only in the last OPEN_WEEKS weeks). The ORM's bulk_create took four
    minutes for 197,000 rows on 2 cores; this takes seconds."""
    started = time.perf_counter()
    missing = total - Lead.objects.count()
    reps = _reps()
    templates = Lead.objects.filter(form=_demo_form(), source=Lead.Source.DEMO)
    if missing > 0 and (not reps or not templates.exists()):
        raise SystemExit("history: run `manage.py demo` first (demo leads and reps are needed)")
    if missing > 0:
        _history_insert(missing, templates.count(), [user.pk for user in reps])
    return {
        "added": max(missing, 0),
        "leads": Lead.objects.count(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _history_insert(missing: int, template_count: int, rep_ids: list[int]) -> None:
    postgres = connection.vendor == "postgresql"
    new_uuid = "gen_random_uuid()" if postgres else "lower(hex(randomblob(16)))"

    def shifted(column: str) -> str:
        if postgres:
            return f"t.{column} - copies.n * interval '7 days'"
        return f"datetime(t.{column}, '-' || (copies.n * 7) || ' days')"

    mix = "(t.id + copies.n) %% 10"  # %% is a literal % in a query with parameters
    # As in a working pipeline, only the last weeks' leads are still open (new or contacted):
    # a rep's open leads are bounded by their capacity, their closed history is not.
    status = (
        f"CASE WHEN copies.n <= {OPEN_WEEKS} AND {mix} = 0 THEN 'new' "
        f"WHEN copies.n <= {OPEN_WEEKS} AND {mix} = 1 THEN 'contacted' "
        f"WHEN {mix} <= 2 THEN 'won' ELSE 'lost' END"
    )
    rep = (
        "CASE "
        + " ".join(
            f"WHEN (t.id + copies.n) %% {len(rep_ids)} = {i} THEN {pk}"
            for i, pk in enumerate(rep_ids)
        )
        + " END"
    )
    chosen = {
        "public_id": new_uuid,
        "source": f"'{Lead.Source.FORM}'",
        "submission_token": "NULL",
        "created_at": shifted("created_at"),
        "completed_at": shifted("created_at"),
        "scored_at": shifted("created_at"),
        "assigned_at": shifted("created_at"),
        "status_changed_at": shifted("created_at"),
        "status": status,
        "assigned_to_id": rep,
        "routed_by_id": "NULL",
    }
    columns = [f.column for f in Lead._meta.concrete_fields if f.column != "id"]
    values = [chosen.get(column, f"t.{column}") for column in columns]
    copies = missing // template_count + 1
    sql = (
        f"WITH RECURSIVE copies(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copies "
        f"WHERE n < {copies}) "
        f"INSERT INTO {Lead._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {Lead._meta.db_table} t CROSS JOIN copies "
        f"WHERE t.source = %s LIMIT {missing}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if not postgres:
            # The random public ids land all over their index: keep its pages in memory (200 MB).
            cursor.execute("PRAGMA cache_size = -200000")
        cursor.execute(sql, [Lead.Source.DEMO])
    if postgres:
        # A real database of this size has been analyzed by autovacuum long ago; without fresh
        # statistics the planner would still plan for the 3,000 rows of the demo.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Lead._meta.db_table}")


def tokens(count: int, out: Path) -> dict:
    """`count` request bodies for the demo form: good answers, each from its own person (a new
    e-mail address: a repeat would join its contact and stay with its owner, not round-robin)
    and with its own fresh token."""
    form = _demo_form()
    run = secrets.token_hex(3)
    with out.open("w", encoding="ascii") as f:
        for n in range(count):
            token = form_token_issue(form_id=form.pk)
            person = {"work_email": f"prospect{n}.{run}@lovelace.example"}
            f.write(urlencode({**GOOD_ANSWERS, **person, f"{FIELD_PREFIX}token": token}) + "\n")
    return {
        "count": count,
        "issued_at": time.time(),
        "min_fill_seconds": settings.FORMSCORE_MIN_FILL_SECONDS,
        "last_pk": Lead.objects.aggregate(last=Max("pk"))["last"] or 0,
        "leads": Lead.objects.count(),
    }


def tally(after: int) -> dict:
    """What the leads stored after `after` became: submitted through the form page (they carry
    their token's nonce) or by the bare view (none), and how the submitted ones were routed."""
    new = Lead.objects.filter(pk__gt=after)
    submitted = new.filter(submission_token__isnull=False)
    by_rep = submitted.filter(assigned_to__isnull=False).values("assigned_to__username")
    return {
        "submitted": submitted.count(),
        "bare": new.filter(submission_token__isnull=True).count(),
        "assigned": submitted.filter(assigned_to__isnull=False).count(),
        "round_robin": submitted.filter(routed_by__action=RoutingRule.Action.ROUND_ROBIN).count(),
        "per_rep": {
            row["assigned_to__username"]: row["n"] for row in by_rep.annotate(n=Count("id"))
        },
        "last_pk": Lead.objects.aggregate(last=Max("pk"))["last"] or 0,
        "leads": Lead.objects.count(),
    }


COMMANDS = {"prepare": prepare, "history": history, "tokens": tokens, "tally": tally}


def main() -> int:
    """Answer one command per line of standard input, each a JSON object such as
    {"command": "tally", "after": 3000}, with one line of JSON."""
    for line in sys.stdin:
        request = json.loads(line)
        command = COMMANDS[request.pop("command")]
        if "out" in request:
            request["out"] = Path(request["out"])
        print(json.dumps(command(**request)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
