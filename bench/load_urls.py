"""The product's URLs plus one bare view, the floor the real submit is measured against.

`POST /bench/bare/<slug>/` validates the same runtime answer form as the form page and inserts one
`Lead` row with the answers: no token, spam checks, scoring, routing or outbox. Only
`bench.load_settings` serves it.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from forms_app.capture.answer_form import form_class_for
from forms_app.models import Form, Lead


@csrf_exempt
@require_POST
def bare_submit(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug, status=Form.Status.PUBLISHED)
    answer_form = form_class_for(form)(data=request.POST)
    if not answer_form.is_valid():
        return JsonResponse({"answers": answer_form.errors.get_json_data()}, status=422)
    now = timezone.now()
    lead = Lead.objects.create(
        form=form, answers=answer_form.answers(), created_at=now, completed_at=now
    )
    return redirect("forms_app:next_step", form.slug, lead.public_id)


urlpatterns = [
    path("bench/bare/<slug:slug>/", bare_submit, name="bench_bare_submit"),
    path("", include("formscore.urls")),
]
