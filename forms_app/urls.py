from django.urls import path

from forms_app.views import public

app_name = "forms_app"

urlpatterns = [
    path("f/<slug:slug>/", public.form_page, name="form_page"),
    path("f/<slug:slug>/next/<uuid:lead_id>/", public.next_step, name="next_step"),
]
