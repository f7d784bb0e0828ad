"""The condition picker drawn again after a subject or operator is picked (htmx swaps it in)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from forms_app.models import Form
from forms_app.permissions import workspace_required
from forms_app.workspace.condition_picker import (
    ConditionPickerForm,
    condition_subjects,
    picked_initial,
)


@require_safe
@workspace_required
def condition_picker(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    prefix = request.GET.get("prefix") or None
    picker = ConditionPickerForm(
        subjects=condition_subjects(form.questions.all()),
        prefix=prefix,
        optional=request.GET.get("optional") == "1",
        initial=picked_initial(request.GET, prefix),
    )
    return render(
        request, "forms_app/workspace/_condition_picker.html", {"f": picker, "form": form}
    )
