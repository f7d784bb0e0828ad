from django.urls import include, path

from forms_app.views import home, invitation_accept, logo, password_reset, public

app_name = "forms_app"

urlpatterns = [
    path("f/<slug:slug>/", public.form_page, name="form_page"),
    path("f/<slug:slug>/next/<uuid:lead_id>/", public.next_step, name="next_step"),
    path("f/<slug:slug>/logo/<str:digest>/", logo.form_logo, name="form_logo"),
    path("f/<slug:slug>/frame-check/", public.frame_check, name="frame_check"),
    path("embed.js", public.embed_script, name="embed_script"),
    path(
        "invite/<str:token>/",
        invitation_accept.invitation_accept_page,
        name="invitation_accept",
    ),
    path("password/forgotten/", password_reset.password_forgotten, name="password_forgotten"),
    path(
        "password/forgotten/sent/",
        password_reset.password_forgotten_sent,
        name="password_forgotten_sent",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        password_reset.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("app/", home.app_home, name="app_home"),
    path("app/", include("forms_app.urls.workspace")),
    path("app/", include("forms_app.urls.sales")),
]
