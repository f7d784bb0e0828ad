"""The Team page (admins): who has an account, in which role; invitations; deactivating."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from forms_app.models import Invitation
from forms_app.models.text import ControlCharactersRefused
from forms_app.permissions import Role, admin_required
from forms_app.sales.reps import user_display_name
from forms_app.team.invitations import (
    INVITATION_VALID_FOR,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from forms_app.team.members import (
    ROLE_DESCRIPTIONS,
    ROLE_LABELS,
    TeamRefusal,
    account_events_recent,
    team_members,
    user_deactivate,
    user_reactivate,
    user_role_set,
    user_unlock,
)

ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]


class InviteForm(ControlCharactersRefused, forms.Form):
    email = forms.EmailField(label="E-mail", max_length=150)
    name = forms.CharField(
        label="Name", max_length=150, required=False, help_text="Optional: they can change it."
    )
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=Role.SALES.value)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)


def _page(request: HttpRequest, invite_form: InviteForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "forms_app/workspace/team.html",
        {
            "nav": "settings",
            "tab": "team",
            "members": team_members(),
            "events": account_events_recent(),
            "invite_form": invite_form,
            "role_choices": ROLE_CHOICES,
            "roles": [(ROLE_LABELS[role], ROLE_DESCRIPTIONS[role]) for role in Role],
            "valid_days": INVITATION_VALID_FOR.days,
        },
        status=status,
    )


@require_safe
@admin_required
def team_page(request: HttpRequest) -> HttpResponse:
    return _page(request, InviteForm())


@require_POST
@admin_required
def invitation_new(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation_create(
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                role=Role(form.cleaned_data["role"]),
                actor=request.user,
            )
        except TeamRefusal as refusal:
            form.add_error("email", str(refusal))
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("forms_app:team")
    return _page(request, form, status=422)


def _act(request: HttpRequest, action, done: str, **kwargs) -> HttpResponse:
    """Run one team action; a refusal is shown as it was said, on the Team page."""
    try:
        action(actor=request.user, **kwargs)
    except TeamRefusal as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)
    return redirect("forms_app:team")


def _member(user_id: int):
    return get_object_or_404(get_user_model().objects.select_related("rep_profile"), pk=user_id)


@require_POST
@admin_required
def member_role(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _member(user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect("forms_app:team")
    role = Role(form.cleaned_data["role"])
    return _act(
        request,
        user_role_set,
        f"{user_display_name(user)} is now {ROLE_LABELS[role].lower()}.",
        user=user,
        role=role,
    )


@require_POST
@admin_required
def member_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _member(user_id)
    return _act(
        request,
        user_deactivate,
        f"{user_display_name(user)} is deactivated: they cannot log in or get new leads.",
        user=user,
    )


@require_POST
@admin_required
def member_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _member(user_id)
    return _act(request, user_reactivate, f"{user_display_name(user)} can log in again.", user=user)


@require_POST
@admin_required
def member_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _member(user_id)
    return _act(request, user_unlock, f"{user_display_name(user)} can log in again now.", user=user)


@require_POST
@admin_required
def invitation_send_again(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    return _act(
        request,
        invitation_resend,
        f"A new invitation is on its way to {invitation.email}; the earlier link no longer works.",
        invitation=invitation,
    )


@require_POST
@admin_required
def invitation_withdraw(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    return _act(
        request,
        invitation_revoke,
        f"The invitation to {invitation.email} is withdrawn: its link no longer works.",
        invitation=invitation,
    )
