"""A forgotten password (public): ask for a link by e-mail, then choose a new password.

Choosing uses Django's PasswordResetConfirmView for the link's checks (and its move of the token
from the address into the session, so it never leaves as a referrer); saving goes through
`user_password_change`, like a change made from the account page.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from forms_app.team.members import user_password_change
from forms_app.team.passwords import password_reset_request


class ForgottenForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address", max_length=254)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def password_forgotten(request: HttpRequest) -> HttpResponse:
    form = ForgottenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset_request(email=form.cleaned_data["email"])
        # The same answer whether or not the address has an account.
        request.session["formscore_reset_asked"] = form.cleaned_data["email"]
        return redirect("forms_app:password_forgotten_sent")
    return render(
        request,
        "registration/password_forgotten.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@never_cache
def password_forgotten_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "registration/password_forgotten_sent.html",
        {"email": request.session.get("formscore_reset_asked", "")},
    )


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_choose.html"

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # A deactivated account stays shut, whatever link it was sent before.
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        user = form.user
        user_password_change(user=user, new_password=form.cleaned_data["new_password1"])
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, "Your new password is set.")
        return redirect("/app/")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 422
        return response


password_reset_confirm = never_cache(PasswordResetConfirm.as_view())
