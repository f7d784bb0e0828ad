"""The database side of `bench.load`, run in a process of the benchmark's own settings:

    python -m bench.load_data prepare             reps with room for every lead; the routing rule
    python -m bench.load_data history --total N   stored leads topped up to N (bulk insert)
    python -m bench.load_data tokens --count N --out FILE   N request bodies, each a fresh token
    python -m bench.load_data tally --after PK    leads stored after PK: created, routed, by whom

Each prints one line of JSON. `bench.load` runs it as a separate process because the benchmark
prepares two databases (SQLite, then PostgreSQL) and Django configures one per process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from forms_app.capture.metadata import FIELD_PREFIX  # noqa: E402
from forms_app.capture.tokens import form_token_issue  # noqa: E402
from forms_app.demo.history import DEMO_SLUG  # noqa: E402
from forms_app.demo.sales import DEMO_REPS  # noqa: E402
from forms_app.models import Form, Lead, RepProfile, RoutingRule  # noqa: E402
from forms_app.sales.reps import rep_profile_save  # noqa: E402
from tests.helpers.answers import GOOD_ANSWERS  # noqa: E402

# Routing skips a rep with this many open leads; the runs and the history add far fewer.
REP_CAPACITY = 1_000_000
HISTORY_BATCH = 5000
# The history's statuses: a fifth still open (they count against each rep's capacity on every
# routed submit), the rest closed.
HISTORY_STATUSES = (
    (Lead.Status.NEW, 0.1),
    (Lead.Status.CONTACTED, 0.1),
    (Lead.Status.WON, 0.1),
    (Lead.Status.LOST, 0.7),
)


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
    """Top the stored leads up to `total`: the demo's answers and scores again, assigned to the
    reps in turn, with mixed statuses, spread over the past two years."""
    started = time.perf_counter()
    form = _demo_form()
    missing = total - Lead.objects.count()
    templates = list(
        Lead.objects.filter(form=form, source=Lead.Source.DEMO).values(
            "answers", "capture", "score", "probability", "tier", "points_score", "factors"
        )[:3000]
    )
    reps = _reps()
    if not templates or not reps:
        raise SystemExit("history: run `manage.py demo` first (demo leads and reps are needed)")
    statuses, weights = zip(*HISTORY_STATUSES, strict=True)
    chance = random.Random(16)
    now = timezone.now()
    added = 0
    while added < missing:
        batch = []
        for n in range(added, min(added + HISTORY_BATCH, missing)):
            template = templates[n % len(templates)]
            created_at = now - timedelta(minutes=5 + n * 5 % (2 * 365 * 24 * 60))
            status = chance.choices(statuses, weights)[0]
            batch.append(
                Lead(
                    form=form,
                    **template,
                    source=Lead.Source.FORM,
                    created_at=created_at,
                    completed_at=created_at,
                    scored_at=created_at,
                    status=status,
                    status_changed_at=created_at + timedelta(days=3),
                    assigned_to=reps[n % len(reps)],
                    assigned_at=created_at,
                )
            )
        with transaction.atomic():
            Lead.objects.bulk_create(batch)
        added += len(batch)
    return {
        "added": added,
        "leads": Lead.objects.count(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def tokens(count: int, out: Path) -> dict:
    """`count` request bodies for the demo form: good answers and each its own fresh token."""
    form = _demo_form()
    with out.open("w", encoding="ascii") as f:
        for _ in range(count):
            token = form_token_issue(form_id=form.pk)
            f.write(urlencode({**GOOD_ANSWERS, f"{FIELD_PREFIX}token": token}) + "\n")
    return {
        "count": count,
        "issued_at": time.time(),
        "min_fill_seconds": settings.FORMSCORE_MIN_FILL_SECONDS,
        "last_pk": Lead.objects.aggregate(last=Max("pk"))["last"] or 0,
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare")
    history_parser = commands.add_parser("history")
    history_parser.add_argument("--total", type=int, required=True)
    tokens_parser = commands.add_parser("tokens")
    tokens_parser.add_argument("--count", type=int, required=True)
    tokens_parser.add_argument("--out", type=Path, required=True)
    tally_parser = commands.add_parser("tally")
    tally_parser.add_argument("--after", type=int, required=True)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        result = prepare()
    elif args.command == "history":
        result = history(args.total)
    elif args.command == "tokens":
        result = tokens(args.count, args.out)
    else:
        result = tally(args.after)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
