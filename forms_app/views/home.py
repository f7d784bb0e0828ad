from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from forms_app.permissions import can_use_workspace


@login_required
def app_home(request: HttpRequest) -> HttpResponse:
    """Marketers and admins land on their forms, sales reps on their inbox."""
    if can_use_workspace(request.user):
        return redirect("/app/forms/")
    return redirect("/app/inbox/")
