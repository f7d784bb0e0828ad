"""Joining from an invitation (public: the invitee has no session yet).

The token is in the address; the site-wide Referrer-Policy (strict-origin-when-cross-origin)
sends other sites the origin alone, and the page loads nothing from elsewhere. (Not no-referrer
here: Chrome then posts the form with Origin: null, which Django's CSRF check refuses.)
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from forms_app.models.text import ControlCharactersRefused
from forms_app.sales.reps import user_display_name
from forms_app.team.invitations import (
    INVITATION_VALID_FOR,
    InvitationState,
    InvitationUnusable,
    invitation_accept,
    invitation_check,
)
from forms_app.team.members import ROLE_DESCRIPTIONS, ROLE_LABELS, user_role

# Not found for a link that never existed; gone for one that did.
_STATUS = {InvitationState.UNKNOWN: 404}


class NameForm(ControlCharactersRefused, forms.Form):
    name = forms.CharField(label="Your name", max_length=150)


def _unusable(request: HttpRequest, state: InvitationState, invitation) -> HttpResponse:
    return render(
        request,
        "registration/invitation_unusable.html",
        {
            "state": state.value,
            "valid_days": INVITATION_VALID_FOR.days,
            "inviter": user_display_name(invitation.invited_by)
            if invitation and invitation.invited_by
            else "",
        },
        status=_STATUS.get(state, 410),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept_page(request: HttpRequest, token: str) -> HttpResponse:
    check = invitation_check(token=token)
    if check.state != InvitationState.VALID:
        return _unusable(request, check.state, check.invitation)
    user = check.invitation.user
    data = request.POST if request.method == "POST" else None
    name_form = NameForm(data, initial={"name": user.get_full_name()})
    password_form = SetPasswordForm(user, data)
    if data is not None and name_form.is_valid() and password_form.is_valid():
        try:
            user = invitation_accept(
                token=token,
                name=name_form.cleaned_data["name"],
                password=password_form.cleaned_data["new_password1"],
            )
        except InvitationUnusable as unusable:
            return _unusable(request, unusable.state, check.invitation)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, f"Welcome to formscore, {user.first_name or user_display_name(user)}."
        )
        return redirect("/app/")
    role = user_role(user)
    return render(
        request,
        "registration/invitation_accept.html",
        {
            "invitation": check.invitation,
            "inviter": user_display_name(check.invitation.invited_by)
            if check.invitation.invited_by
            else "",
            "role_label": ROLE_LABELS[role] if role else "",
            "role_description": ROLE_DESCRIPTIONS[role] if role else "",
            "name_form": name_form,
            "password_form": password_form,
        },
        status=422 if data is not None else 200,
    )
