from django.urls import include, path

from forms_app.views import home, public

app_name = "forms_app"

urlpatterns = [
    path("f/<slug:slug>/", public.form_page, name="form_page"),
    path("f/<slug:slug>/next/<uuid:lead_id>/", public.next_step, name="next_step"),
    path("f/<slug:slug>/frame-check/", public.frame_check, name="frame_check"),
    path("embed.js", public.embed_script, name="embed_script"),
    path("app/", home.app_home, name="app_home"),
    path("app/", include("forms_app.urls.workspace")),
    path("app/", include("forms_app.urls.sales")),
]
