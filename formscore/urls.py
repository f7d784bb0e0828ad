from functools import cache

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView


@cache
def _openapi_views() -> dict:
    """The OpenAPI schema and docs views, built on first use: drf-spectacular and the API's
    descriptions weigh about 19 MB, which a web process that never serves them does not carry."""
    from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

    from forms_app.api.schema import describe_api
    from forms_app.urls.api import schema_urlpatterns

    describe_api()
    return {
        "schema": SpectacularAPIView.as_view(
            patterns=[path("api/v1/", include(schema_urlpatterns()))]
        ),
        "docs": SpectacularSwaggerSplitView.as_view(url_name="api_schema"),
    }


@csrf_exempt
def api_schema(request: HttpRequest) -> HttpResponse:
    return _openapi_views()["schema"](request)


@csrf_exempt
def api_docs(request: HttpRequest) -> HttpResponse:
    return _openapi_views()["docs"](request)


urlpatterns = [
    path("", RedirectView.as_view(url="/app/", permanent=False), name="home"),
    path("", include("forms_app.urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("forms_app.urls.api")),
    path("api/schema/", api_schema, name="api_schema"),
    path("api/docs/", api_docs, name="api_docs"),
    path("admin/", admin.site.urls),
]

handler404 = "forms_app.views.errors.page_not_found"
