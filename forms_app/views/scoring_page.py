"""Tier thresholds and the points rules of a form (the traditional score, always computed)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from forms_app.models import Form, Lead, Question
from forms_app.permissions import workspace_required
from forms_app.sales.routing import recent_leads
from forms_app.scoring_adapter import condition_questions, points_explain
from forms_app.workspace import authoring
from forms_app.workspace.condition_picker import picked_initial, picker_initial
from forms_app.workspace.inputs import PointsRuleForm, ThresholdsForm, add_service_errors
from forms_app.workspace.scoring_proof import threshold_what_if
from scoring.conditions import condition_problem, describe
from scoring.models import PointsRule


def _rule_rows(questions: list[Question], rules: list[PointsRule]) -> list[dict]:
    by_key = {q.key: q for q in questions}
    words = condition_questions(questions)
    rows = []
    for rule in rules:
        question = by_key.get(rule.key) if rule.source == PointsRule.Source.ANSWER else None
        rows.append(
            {
                "rule": rule,
                "text": describe(rule.as_rule(), words),
                "archived": bool(question and question.archived),
                "problem": condition_problem(
                    rule.as_rule(), words.get(rule.key) if question else None
                ),
                "edit_form": PointsRuleForm(
                    questions=questions,
                    prefix=f"rule{rule.pk}",
                    initial={**picker_initial(rule.as_rule()), "points": rule.points},
                ),
            }
        )
    return rows


def _what_if_threshold(raw: str | None) -> int | None:
    """The sales-ready threshold to try, from the query string; None (the saved one) if unusable."""
    return int(raw) if raw and raw.isdigit() and 1 <= int(raw) <= 100 else None


def _page(request, form, *, thresholds_form=None, rule_form=None, failed_rule=None, status=200):
    questions = list(form.questions.all())
    tried = None
    lead_id = request.GET.get("lead", "")
    if lead_id.isdigit():
        tried = points_explain(form=form, lead=get_object_or_404(Lead, pk=lead_id, form=form))
    rows = _rule_rows(questions, list(form.points_rules.all()))
    if failed_rule is not None:
        for row in rows:
            if row["rule"].pk == failed_rule[0]:
                row["edit_form"], row["open"] = failed_rule[1], True
    return render(
        request,
        "forms_app/workspace/scoring.html",
        {
            "form": form,
            "tab": "scoring",
            "nav": "forms",
            "thresholds_form": thresholds_form
            or ThresholdsForm(
                initial={
                    "marketing_qualified": form.marketing_qualified_threshold,
                    "sales_ready": form.sales_ready_threshold,
                }
            ),
            "rows": rows,
            "bands": {
                "nurture": form.marketing_qualified_threshold,
                "marketing_qualified": form.sales_ready_threshold
                - form.marketing_qualified_threshold,
                "sales_ready": 101 - form.sales_ready_threshold,
            },
            "rule_form": rule_form or PointsRuleForm(questions=questions, initial={"points": 10}),
            "leads": recent_leads(form),
            "tried": tried,
            "what_if": threshold_what_if(
                form=form, sales_ready=_what_if_threshold(request.GET.get("what_if"))
            ),
        },
        status=status,
    )


@require_safe
@workspace_required
def scoring_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, get_object_or_404(Form, slug=slug))


@require_POST
@workspace_required
def thresholds_update(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    thresholds_form = ThresholdsForm(request.POST)
    if thresholds_form.is_valid():
        try:
            authoring.thresholds_update(form=form, **thresholds_form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(thresholds_form, exc)
        else:
            messages.success(
                request,
                f"Thresholds saved: sales-ready from {form.sales_ready_threshold}, "
                f"marketing-qualified from {form.marketing_qualified_threshold}.",
            )
            return redirect("forms_app:scoring", slug=form.slug)
    form.refresh_from_db()
    return _page(request, form, thresholds_form=thresholds_form, status=422)


@require_POST
@workspace_required
def points_rule_add(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(Form, slug=slug)
    rule_form = PointsRuleForm(request.POST, questions=list(form.questions.all()))
    if "pick" in request.POST:  # without JavaScript: show the picked question's choices
        return _page(
            request,
            form,
            rule_form=PointsRuleForm(
                questions=list(form.questions.all()),
                initial=picked_initial(request.POST, rule_form.prefix),
            ),
        )
    if rule_form.is_valid():
        try:
            authoring.points_rule_add(form=form, **rule_form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(rule_form, exc)
        else:
            messages.success(request, "Rule added. Open the preview to see its effect.")
            return redirect("forms_app:scoring", slug=form.slug)
    return _page(request, form, rule_form=rule_form, status=422)


@require_POST
@workspace_required
def points_rule_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    rule = get_object_or_404(PointsRule.objects.select_related("form"), pk=pk, form__slug=slug)
    rule_form = PointsRuleForm(
        request.POST, questions=list(rule.form.questions.all()), prefix=f"rule{rule.pk}"
    )
    if "pick" in request.POST:
        picked = PointsRuleForm(
            questions=list(rule.form.questions.all()),
            prefix=f"rule{rule.pk}",
            initial=picked_initial(request.POST, rule_form.prefix),
        )
        return _page(request, rule.form, failed_rule=(rule.pk, picked))
    if rule_form.is_valid():
        try:
            authoring.points_rule_update(rule=rule, **rule_form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(rule_form, exc)
        else:
            messages.success(request, "Rule saved.")
            return redirect("forms_app:scoring", slug=slug)
    return _page(request, rule.form, failed_rule=(rule.pk, rule_form), status=422)


@require_POST
@workspace_required
def points_rule_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    rule = get_object_or_404(PointsRule, pk=pk, form__slug=slug)
    authoring.points_rule_remove(rule=rule)
    messages.success(request, "Rule removed.")
    return redirect("forms_app:scoring", slug=slug)
