"""The marketer's "what if" tool: the form as a prospect sees it beside its live score.

The score comes from the same scoring service as the real submit; nothing is stored.
"""

from django.forms.utils import ErrorList
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST, require_safe

from forms_app.capture.answer_form import form_class_for
from forms_app.models import Form, Lead
from forms_app.permissions import workspace_required
from forms_app.scoring_adapter import points_rules_labelled, score_answers
from scoring.features import DEVICES
from scoring.points import points_breakdown

CAPTURE_INPUTS = ("utm_source", "utm_medium", "referrer", "device", "seconds_to_complete")


def _capture_from(data) -> dict:
    capture = {}
    for name in CAPTURE_INPUTS:
        value = (data.get(f"_capture_{name}") or "").strip()[:200]
        if not value:
            continue
        if name == "seconds_to_complete":
            try:
                capture[name] = max(0.0, min(float(value), 86400.0))
            except ValueError:
                continue
        elif name == "device":
            if value in DEVICES:
                capture[name] = value
        else:
            capture[name] = value
    return capture


def _context(form: Form, answer_form, capture: dict) -> dict:
    answers = answer_form.answers() if answer_form.is_bound else {}
    rules = points_rules_labelled(form)
    result = score_answers(form=form, answers=answers, capture=capture, rules=rules)
    factors = list(result.factors or [])
    return {
        "form": form,
        "answer_form": answer_form,
        "capture": capture,
        "devices": DEVICES,
        "result": result,
        "tier_label": Lead.Tier(result.tier).label if result.tier else "",
        "probability_pct": None if result.probability is None else 100 * result.probability,
        "answers": answers,
        "rules_fired": points_breakdown(rules, {"answers": answers, "capture": capture}),
        "factors_up": sorted((f for f in factors if f["impact"] > 0), key=lambda f: -f["impact"])[
            :5
        ],
        "factors_down": sorted((f for f in factors if f["impact"] < 0), key=lambda f: f["impact"])[
            :5
        ],
        "tab": "preview",
        "nav": "forms",
    }


@require_safe
@workspace_required
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    answer_form = form_class_for(form)(auto_id="preview_%s")
    capture = {"device": "desktop", "seconds_to_complete": 60.0}
    return render(request, "forms_app/workspace/preview.html", _context(form, answer_form, capture))


@require_POST
@workspace_required
def preview_score(request: HttpRequest, slug: str) -> HttpResponse:
    """Score the answers so far; htmx swaps in the panel, without JavaScript the whole page."""
    form = get_object_or_404(Form, slug=slug)
    answer_form = form_class_for(form)(request.POST, auto_id="preview_%s")
    answer_form.full_clean()
    # Partial answers are fine here: the score uses what is valid so far, and only real mistakes
    # (a malformed e-mail, a number out of range) are pointed out, not unanswered questions.
    for key in list(answer_form.errors):
        kept = [e for e in answer_form.errors[key].as_data() if e.code != "required"]
        if kept:
            answer_form.errors[key] = ErrorList(kept)
        else:
            del answer_form.errors[key]
    context = _context(form, answer_form, _capture_from(request.POST))
    if request.htmx:
        return render(request, "forms_app/workspace/_score_panel.html", context)
    return render(request, "forms_app/workspace/preview.html", context)
