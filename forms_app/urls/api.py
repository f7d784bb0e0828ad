"""The headless API under /api/v1/: the token API (forms_app/api/token_api.py) and the headless
form for browsers (forms_app/api/headless.py). Guide: docs/api.md.

The views load on their first request: Django REST framework and what it brings along weigh
about 30 MB, which a web process that serves only forms and the workspace never carries.
"""

from collections.abc import Callable
from functools import cache
from importlib import import_module

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt

app_name = "api"


@cache
def _loaded(name: str) -> Callable:
    module, attribute = name.split(".")
    view = getattr(import_module(f"forms_app.api.{module}"), attribute)
    return view.as_view() if isinstance(view, type) else view


def _view(name: str) -> Callable:
    """The view `module.name` of forms_app.api, imported when it is first asked for."""

    @csrf_exempt  # as every REST framework view: its authentication enforces CSRF itself
    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return _loaded(name)(request, *args, **kwargs)

    return view


_ROUTES = [  # (route, view in forms_app.api, name)
    ("public/forms/<slug:slug>", "headless.PublicForm", "public_form"),
    ("public/forms/<slug:slug>/submissions", "headless.PublicSubmission", "public_submission"),
    ("forms/<slug:slug>/leads", "token_api.form_leads", "form_leads"),
    ("forms/<slug:slug>/score", "token_api.FormScore", "form_score"),
    ("leads/<uuid:public_id>", "token_api.LeadDetail", "lead"),
    ("leads/<uuid:public_id>/outcome", "token_api.LeadOutcome", "lead_outcome"),
]

urlpatterns = [path(route, _view(view), name=name) for route, view, name in _ROUTES]


def _answering_only(view_class: type, method: str) -> type:
    """The operation as the schema sees it: the one method it handles (it answers OPTIONS and
    Allow for the whole URL it shares)."""
    return type(view_class.__name__, (view_class,), {"allowed_methods": [method]})


def schema_urlpatterns() -> list[URLPattern]:
    """What the OpenAPI schema (/api/schema/) describes: the same URLs with the views themselves,
    and listing and submitting a form's leads as the two operations they are (one URL
    dispatches to both)."""
    from forms_app.api import token_api

    return [
        *(
            path(route, _loaded(view), name=name)
            for route, view, name in _ROUTES
            if name != "form_leads"
        ),
        path(
            "forms/<slug:slug>/leads",
            _answering_only(token_api.FormLeadList, "GET").as_view(),
            name="form_leads_list",
        ),
        path(
            "forms/<slug:slug>/leads",
            _answering_only(token_api.FormLeadSubmit, "POST").as_view(),
            name="form_leads_submit",
        ),
    ]
