"""Everything a submit reads about its form, cached in the web process and never stale.

A submit needs the form's points rules (labelled), its active model version, and its routing
rules with their reps, teams and webhook endpoints. Reading them costs more than storing the
lead, yet they change a few times a day. So each process keeps them per form, keyed by the
workspace's `SettingsRevision`: every write to any of them changes the revision (the signals
below; a version's activation and rollback, written with `update()`, through the event each one
records; a question reordering through `Form.revision_bump`), and the next submit in every
process sees the new value with one cheap query and loads afresh. A webhook endpoint's state
(disabled, enabled) is read when a row is delivered, never from here.

The published form's row is cached the same way (any write to a form bumps the revision). What
changes with every lead is always read: a team's round-robin cursor and reps' open leads.
"""

from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.shortcuts import get_object_or_404

from forms_app.models import (
    Form,
    Question,
    RepProfile,
    RoutingRule,
    SettingsRevision,
    Team,
    WebhookEndpoint,
)
from forms_app.sales.routing import RoutingSetup, routing_setup_load
from forms_app.scoring_adapter import points_rules_labelled
from scoring.models import ModelVersion, ModelVersionEvent, PointsRule
from scoring.services import active_version

_CACHE_SIZE = 256


@dataclass(frozen=True)
class FormRuntime:
    revision: int
    points_rules: list[dict]
    active_version: ModelVersion | None
    routing: RoutingSetup


_cache: OrderedDict[tuple[int, datetime], FormRuntime] = OrderedDict()
_published: OrderedDict[str, tuple[int, Form]] = OrderedDict()
# Within a request the revision is read once: the form page and the submit's runtime both check
# it. Outside a request (None) every call reads it.
_request_revision: ContextVar[dict | None] = ContextVar("request_revision", default=None)


def _revision() -> int:
    seen = _request_revision.get()
    if seen is None:
        return SettingsRevision.current()
    if "value" not in seen:
        seen["value"] = SettingsRevision.current()
    return seen["value"]


def _request_began(**kwargs) -> None:
    _request_revision.set({})


def _request_ended(**kwargs) -> None:
    _request_revision.set(None)


def published_form(slug: str) -> Form:
    """The published form at /f/<slug>/ (404 if there is none), cached per settings revision.

    Every form page and submit starts here: reading the row costs more than checking the
    revision. The instance is shared by the process's requests, so nothing may change it.
    """
    revision = _revision()
    cached = _published.get(slug)
    if cached is not None and cached[0] == revision:
        _published.move_to_end(slug)
        return cached[1]
    form = get_object_or_404(Form, slug=slug, status=Form.Status.PUBLISHED)
    _published[slug] = (revision, form)
    if len(_published) > _CACHE_SIZE:
        _published.popitem(last=False)
    return form


def form_runtime(form: Form) -> FormRuntime:
    """The form's cached runtime, loaded again when the settings revision has changed."""
    revision = _revision()
    # created_at guards against a reused primary key (SQLite reuses ids after a delete).
    key = (form.pk, form.created_at)
    cached = _cache.get(key)
    if cached is not None and cached.revision == revision:
        _cache.move_to_end(key)
        return cached
    loaded = FormRuntime(
        revision=revision,
        points_rules=points_rules_labelled(form),
        active_version=active_version(form.pk),
        routing=routing_setup_load(form.pk),
    )
    _cache[key] = loaded
    _cache.move_to_end(key)
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return loaded


def _settings_changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata: the fixture's own rows, no cache to expire yet
        return
    update_fields = kwargs.get("update_fields")
    if sender is get_user_model() and update_fields and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing a submit reads
    SettingsRevision.bump()


_WATCHED = (
    Form,
    Question,
    PointsRule,
    RoutingRule,
    Team,
    RepProfile,
    WebhookEndpoint,
    ModelVersion,
    ModelVersionEvent,  # activation and rollback write the version with update()
)


def settings_watch() -> None:
    """Connect the receivers that bump the revision (called once, from the app's ready())."""
    for model in (*_WATCHED, get_user_model()):
        post_save.connect(_settings_changed, sender=model, dispatch_uid=f"fs-rev-{model}")
        post_delete.connect(_settings_changed, sender=model, dispatch_uid=f"fs-rev-del-{model}")
    m2m_changed.connect(
        _settings_changed, sender=Team.members.through, dispatch_uid="fs-rev-team-members"
    )
    request_started.connect(_request_began, dispatch_uid="fs-rev-request-started")
    request_finished.connect(_request_ended, dispatch_uid="fs-rev-request-finished")
