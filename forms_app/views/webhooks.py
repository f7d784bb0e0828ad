"""Webhook endpoints, for marketers: the list, one endpoint's settings and delivery log, rotating
its secret, disabling and enabling it, and sending a failed delivery again."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from forms_app.models import Notification, WebhookEndpoint
from forms_app.permissions import workspace_required
from forms_app.sales.endpoints import (
    rotation_grace,
    webhook_endpoint_create,
    webhook_endpoint_deliveries,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_held_count,
    webhook_endpoint_rules,
    webhook_endpoint_secret_rotate,
    webhook_endpoint_update,
    webhook_endpoints_overview,
)
from forms_app.sales.outbox import (
    disable_after_failures,
    endpoint_signing_secrets,
    notification_resend,
)
from forms_app.sales.outgoing import outgoing_url_check

# A new secret is shown once, on the page the action redirects to; then only its last characters.
NEW_SECRET_SESSION_KEY = "formscore_new_webhook_secret"
DELIVERIES_PER_PAGE = 50


class EndpointForm(forms.Form):
    name = forms.CharField(max_length=120, required=False, help_text="Empty: the URL's host.")
    url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        label="URL",
        validators=[outgoing_url_check],
        help_text="Receives a signed POST for every lead of the rules that use this endpoint.",
    )


def new_endpoint_secret_show_once(request: HttpRequest, endpoint: WebhookEndpoint) -> None:
    request.session[NEW_SECRET_SESSION_KEY] = {"endpoint": endpoint.pk, "secret": endpoint.secret}


def _new_secret(request: HttpRequest, endpoint: WebhookEndpoint) -> str:
    shown = request.session.get(NEW_SECRET_SESSION_KEY)
    if not shown or shown.get("endpoint") != endpoint.pk:
        return ""
    del request.session[NEW_SECRET_SESSION_KEY]
    return shown["secret"]


@workspace_required
def endpoints_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "forms_app/sales/webhooks.html",
        {
            "nav": "settings",
            "endpoints": webhook_endpoints_overview(),
            "disable_after": disable_after_failures(),
        },
    )


@workspace_required
def endpoint_new(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = webhook_endpoint_create(**form.cleaned_data)
        new_endpoint_secret_show_once(request, endpoint)
        messages.success(request, f"Created the endpoint “{endpoint.name}”.")
        return redirect("forms_app:webhook_endpoint", endpoint_id=endpoint.pk)
    return render(
        request,
        "forms_app/sales/webhook_new.html",
        {"nav": "settings", "form": form},
        status=422 if form.errors else 200,
    )


@workspace_required
def endpoint_page(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    initial = {"name": endpoint.name, "url": endpoint.url}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        webhook_endpoint_update(
            endpoint=endpoint,
            name=form.cleaned_data["name"] or endpoint.name,
            url=form.cleaned_data["url"],
        )
        messages.success(request, "Saved. Deliveries still waiting go to the new URL.")
        return redirect("forms_app:webhook_endpoint", endpoint_id=endpoint.pk)
    deliveries = Paginator(webhook_endpoint_deliveries(endpoint=endpoint), DELIVERIES_PER_PAGE)
    return render(
        request,
        "forms_app/sales/webhook_endpoint.html",
        {
            "nav": "settings",
            "endpoint": endpoint,
            "form": form,
            "new_secret": _new_secret(request, endpoint),
            "rules": webhook_endpoint_rules(endpoint=endpoint),
            "page": deliveries.get_page(request.GET.get("page")),
            "disable_after": disable_after_failures(),
            "grace_hours": f"{rotation_grace().total_seconds() / 3600:g}",
            "signing_previous": len(endpoint_signing_secrets(endpoint, now=timezone.now())) > 1,
            "held_count": webhook_endpoint_held_count(endpoint=endpoint),
        },
        status=422 if form.errors else 200,
    )


@require_POST
@workspace_required
def endpoint_rotate(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    webhook_endpoint_secret_rotate(endpoint=endpoint)
    endpoint.refresh_from_db()
    new_endpoint_secret_show_once(request, endpoint)
    messages.success(
        request, "New secret issued. The old one keeps signing during the grace period."
    )
    return redirect("forms_app:webhook_endpoint", endpoint_id=endpoint.pk)


@require_POST
@workspace_required
def endpoint_disable(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    if webhook_endpoint_disable(endpoint=endpoint, actor=request.user):
        messages.success(request, "Disabled: new deliveries wait until you enable it again.")
    return redirect("forms_app:webhook_endpoint", endpoint_id=endpoint.pk)


@require_POST
@workspace_required
def endpoint_enable(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    released = webhook_endpoint_enable(endpoint=endpoint)
    messages.success(
        request,
        f"Enabled. {released} waiting deliver{'y is' if released == 1 else 'ies are'} being sent."
        if released
        else "Enabled.",
    )
    return redirect("forms_app:webhook_endpoint", endpoint_id=endpoint.pk)


@require_POST
@workspace_required
def delivery_resend(request: HttpRequest, endpoint_id: int, notification_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    row = get_object_or_404(Notification, pk=notification_id, endpoint=endpoint)
    row = notification_resend(notification=row, actor=request.user)
    if request.htmx:
        return render(
            request,
            "forms_app/sales/_delivery.html",
            {"row": row, "endpoint": endpoint},
        )
    messages.success(
        request,
        "Sending again."
        if endpoint.state == WebhookEndpoint.State.ACTIVE
        else "It waits until the endpoint is enabled.",
    )
    return redirect("forms_app:webhook_endpoint", endpoint_id=endpoint.pk)
