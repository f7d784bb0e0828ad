"""Reps and teams, managed by marketers and admins; failed notifications are listed here too."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from forms_app.models import Notification, RepProfile, Team
from forms_app.models.text import ControlCharactersRefused
from forms_app.permissions import workspace_required
from forms_app.sales.reps import rep_profile_save, team_save
from forms_app.sales.routing import OPEN_STATUSES


def _sales_users():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name="sales") | Q(rep_profile__isnull=False))
        .distinct()
        .select_related("rep_profile")
        .prefetch_related("sales_teams")
        .annotate(
            open_leads=Count(
                "assigned_leads",
                filter=Q(assigned_leads__status__in=OPEN_STATUSES),
                distinct=True,
            )
        )
        .order_by("first_name", "username")
    )


class RepForm(ControlCharactersRefused, forms.Form):
    display_name = forms.CharField(max_length=120)
    booking_url = forms.URLField(required=False, max_length=200, assume_scheme="https")
    active = forms.BooleanField(required=False)
    capacity = forms.IntegerField(min_value=0, max_value=10_000)
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )


class TeamForm(ControlCharactersRefused, forms.Form):
    name = forms.CharField(max_length=120)
    members = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, team: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.fields["members"].queryset = _sales_users()
        self.fields["members"].label_from_instance = lambda user: (
            getattr(getattr(user, "rep_profile", None), "display_name", "") or user.get_username()
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Team.objects.filter(name__iexact=name)
        if self.team is not None:
            clash = clash.exclude(pk=self.team.pk)
        if clash.exists():
            raise forms.ValidationError("A team with this name exists already.")
        return name


@workspace_required
def reps_page(request: HttpRequest) -> HttpResponse:
    failed = (
        Notification.objects.filter(status=Notification.Status.FAILED)
        .select_related("lead", "lead__form", "endpoint", "invitation")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "forms_app/sales/reps.html",
        {
            "nav": "settings",
            "reps": _sales_users(),
            "teams": Team.objects.prefetch_related("members__rep_profile"),
            "failed": failed,
        },
    )


@workspace_required
def rep_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=user_id, is_active=True)
    profile = RepProfile.objects.filter(user=user).first()
    initial = {
        "display_name": profile.display_name
        if profile
        else (user.get_full_name() or user.username),
        "booking_url": profile.booking_url if profile else "",
        "active": profile.active if profile else True,
        "capacity": profile.capacity if profile else 50,
        "teams": list(user.sales_teams.all()),
    }
    form = RepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        rep_profile_save(user=user, **form.cleaned_data)
        messages.success(request, f"Saved {form.cleaned_data['display_name']}.")
        return redirect("forms_app:reps")
    return render(
        request,
        "forms_app/sales/rep_edit.html",
        {"nav": "settings", "form": form, "rep_user": user},
        status=422 if form.errors else 200,
    )


@workspace_required
def team_edit(request: HttpRequest, team_id: int | None = None) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id) if team_id else None
    initial = {"name": team.name, "members": list(team.members.all())} if team else {}
    form = TeamForm(request.POST or None, initial=initial, team=team)
    if request.method == "POST" and form.is_valid():
        team_save(team=team, **form.cleaned_data)
        messages.success(request, f"Saved team {form.cleaned_data['name']}.")
        return redirect("forms_app:reps")
    return render(
        request,
        "forms_app/sales/team_edit.html",
        {"nav": "settings", "form": form, "team": team},
        status=422 if form.errors else 200,
    )
