"""Routing: a tab of every form and an overview in the navigation; rules edited by marketers,
their conditions built by picking; "Try the rules" on a recent lead."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from forms_app.models import Form, Lead, RoutingRule, Team, WebhookEndpoint
from forms_app.models.text import ControlCharactersRefused
from forms_app.permissions import workspace_required
from forms_app.sales.endpoints import webhook_endpoint_create
from forms_app.sales.outgoing import outgoing_url_check
from forms_app.sales.reps import reps_for_assignment
from forms_app.sales.routing import (
    ROUTING_OPERATORS,
    recent_leads,
    routing_explain,
    routing_forms_overview,
    routing_rule_delete,
    routing_rule_problems,
    routing_rule_save,
)
from forms_app.scoring_adapter import condition_questions
from forms_app.views.webhooks import new_endpoint_secret_show_once
from forms_app.workspace.condition_picker import (
    ConditionPickerForm,
    condition_subjects,
    picked_initial,
    picker_initial,
)
from scoring.conditions import KEYED_SOURCES, describe

SCORE_FIELDS = {"gte": "min_score", "lte": "max_score"}
MAX_CONDITIONS = 8  # picked conditions on answers and signals, beside the tier and the score


class RuleForm(ControlCharactersRefused, forms.Form):
    name = forms.CharField(max_length=120)
    position = forms.IntegerField(
        min_value=1, max_value=9999, required=False, help_text="Lower numbers run first."
    )
    enabled = forms.BooleanField(required=False, initial=True)
    tiers = forms.MultipleChoiceField(
        choices=Lead.Tier.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    min_score = forms.IntegerField(
        min_value=0, max_value=100, required=False, label="Score at least"
    )
    max_score = forms.IntegerField(
        min_value=0, max_value=100, required=False, label="Score at most"
    )
    action = forms.ChoiceField(choices=RoutingRule.Action.choices)
    rep = forms.ChoiceField(required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    notify_slack_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        label="Slack incoming-webhook URL",
        validators=[outgoing_url_check],
        help_text="Posts name, company, score, tier, top factors and a link to the lead.",
    )
    notify_emails = forms.CharField(
        required=False,
        max_length=500,
        label="E-mail to",
        help_text="Comma-separated addresses; “rep” means the assigned rep.",
    )
    webhook_endpoint = forms.ModelChoiceField(
        queryset=WebhookEndpoint.objects.all(),
        required=False,
        empty_label="— none —",
        label="Webhook endpoint (e.g. your CRM)",
        help_text="Signed JSON, the Standard Webhooks way: see docs/webhooks.md.",
    )
    webhook_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        label="…or a new endpoint at this URL",
        validators=[outgoing_url_check],
        help_text="Creates the endpoint with its own signing secret.",
    )
    stop_after = forms.BooleanField(required=False, initial=True)
    contact_owner = forms.ChoiceField(
        choices=RoutingRule.ContactOwner.choices,
        required=False,  # a client that does not send it keeps owners, the default
        initial=RoutingRule.ContactOwner.KEEP,
        label="Repeat leads",
        help_text="A lead from a person a rep already owns (same e-mail) goes to that rep, "
        "or is routed like a new person's.",
    )

    def __init__(self, *args, form: Form, **kwargs):
        super().__init__(*args, **kwargs)
        self.reps = {str(user.pk): user for user in reps_for_assignment()}
        self.fields["rep"].choices = [("", "—")] + [
            (pk, getattr(getattr(u, "rep_profile", None), "display_name", "") or u.username)
            for pk, u in self.reps.items()
        ]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == RoutingRule.Action.ASSIGN_REP and not data.get("rep"):
            self.add_error("rep", "Choose the rep this rule assigns leads to.")
        if action in (RoutingRule.Action.ROUND_ROBIN, RoutingRule.Action.LEAST_LOADED) and not (
            data.get("team")
        ):
            self.add_error("team", "Choose the team whose reps share these leads.")
        low, high = data.get("min_score"), data.get("max_score")
        if low is not None and high is not None and low > high:
            self.add_error("max_score", "The highest score must be at least the lowest.")
        if data.get("webhook_endpoint") and data.get("webhook_url"):
            self.add_error("webhook_url", "Choose an endpoint or give a new URL, not both.")
        for item in (data.get("notify_emails") or "").split(","):
            item = item.strip()
            if item and item != "rep" and "@" not in item:
                self.add_error("notify_emails", f"“{item}” is not an e-mail address (or 'rep').")
        return data

    def conditions(self) -> list[dict]:
        data = self.cleaned_data
        conditions: list[dict] = []
        if data["tiers"]:
            conditions.append(
                {"source": "tier", "key": "", "operator": "in", "value": data["tiers"]}
            )
        if data["min_score"] is not None:
            conditions.append(
                {"source": "score", "key": "", "operator": "gte", "value": data["min_score"]}
            )
        if data["max_score"] is not None:
            conditions.append(
                {"source": "score", "key": "", "operator": "lte", "value": data["max_score"]}
            )
        return conditions


def _initial(rule: RoutingRule) -> dict:
    initial = {
        "name": rule.name,
        "position": rule.position,
        "enabled": rule.enabled,
        "action": rule.action,
        "rep": str(rule.rep_id or ""),
        "team": rule.team_id,
        "notify_slack_url": rule.notify_slack_url,
        "notify_emails": rule.notify_emails,
        "webhook_endpoint": rule.webhook_endpoint_id,
        "stop_after": rule.stop_after,
        "contact_owner": rule.contact_owner,
    }
    for condition in rule.conditions or []:
        source, operator, value = condition["source"], condition["operator"], condition["value"]
        if source == "tier":
            initial["tiers"] = value if isinstance(value, list) else [value]
        elif source == "score":
            initial[SCORE_FIELDS.get(operator, "max_score")] = value
    return initial


def _pickers(form: Form, rule: RoutingRule | None, data=None) -> list[ConditionPickerForm]:
    """The rule's conditions on answers and signals, one picker each, and one empty to add.

    data: the POST to check (``bound``), or to draw again unchecked while the marketer is
    picking without JavaScript ("Show the choices", "Add a condition").
    """
    options = {
        "subjects": condition_subjects(form.questions.all()),
        "operators": ROUTING_OPERATORS,
        "optional": True,
    }
    if data is None:
        picked = [c for c in (rule.conditions if rule else []) if c["source"] in KEYED_SOURCES]
        initials = [picker_initial(condition) for condition in picked] + [{}]
        return [
            ConditionPickerForm(prefix=f"c{n}", initial=i, **options)
            for n, i in enumerate(initials)
        ]
    rows = data.get("condition_rows", "1")
    count = min(int(rows) if rows.isdigit() else 1, MAX_CONDITIONS)
    if "pick" in data or "add_condition" in data:
        count = min(count + ("add_condition" in data), MAX_CONDITIONS)
        return [
            ConditionPickerForm(prefix=f"c{n}", initial=picked_initial(data, f"c{n}"), **options)
            for n in range(max(count, 1))
        ]
    return [ConditionPickerForm(data, prefix=f"c{n}", **options) for n in range(max(count, 1))]


def _form(slug: str) -> Form:
    return get_object_or_404(Form, slug=slug)


@workspace_required
def routing_overview(request: HttpRequest) -> HttpResponse:
    """Routing in the left navigation: every form's rules at a glance; a single form's directly."""
    forms_ = routing_forms_overview()
    if len(forms_) == 1:
        return redirect("forms_app:routing", slug=forms_[0].slug)
    return render(
        request, "forms_app/sales/routing_overview.html", {"nav": "routing", "forms": forms_}
    )


@workspace_required
def routing_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _routing_page(request, _form(slug))


def _routing_page(request, form: Form, *, preview: dict | None = None) -> HttpResponse:
    rules = form.routing_rules.select_related("rep__rep_profile", "team", "webhook_endpoint")
    words = condition_questions(form.questions.all())
    return render(
        request,
        "forms_app/sales/routing.html",
        {
            "nav": "routing",
            "tab": "routing",
            "form": form,
            "rules": [
                (
                    rule,
                    [describe(c, words) for c in rule.conditions],
                    routing_rule_problems(rule, words),
                )
                for rule in rules
            ],
            "leads": recent_leads(form),
            "preview": preview,
        },
    )


@workspace_required
def rule_edit(request: HttpRequest, slug: str, rule_id: int | None = None) -> HttpResponse:
    form = _form(slug)
    rule = get_object_or_404(RoutingRule, pk=rule_id, form=form) if rule_id else None
    initial = _initial(rule) if rule else {"enabled": True, "stop_after": True}
    data = request.POST if request.method == "POST" else None
    pickers = _pickers(form, rule, data)
    if data is not None and ("pick" in data or "add_condition" in data):
        # Without JavaScript: draw the page again with the picked choices; nothing is saved.
        rule_form = RuleForm(initial=_posted_initial(data), form=form)
        return _edit_page(request, form, rule, rule_form, pickers)
    rule_form = RuleForm(data, initial=initial, form=form)
    if data is not None and rule_form.is_valid() and all(p.is_valid() for p in pickers):
        picked = [p.cleaned_data["condition"] for p in pickers if p.cleaned_data["condition"]]
        data = rule_form.cleaned_data
        rule = rule or RoutingRule(form=form)
        rule.name = data["name"]
        rule.position = data["position"] or rule.position
        rule.enabled = data["enabled"]
        rule.action = data["action"]
        rule.rep = rule_form.reps.get(data["rep"] or "")
        rule.team = data["team"]
        rule.notify_slack_url = data["notify_slack_url"]
        rule.notify_emails = data["notify_emails"]
        rule.webhook_endpoint = data["webhook_endpoint"]
        if data["webhook_url"]:
            rule.webhook_endpoint = webhook_endpoint_create(url=data["webhook_url"])
            new_endpoint_secret_show_once(request, rule.webhook_endpoint)
        rule.stop_after = data["stop_after"]
        rule.contact_owner = data["contact_owner"] or RoutingRule.ContactOwner.KEEP
        routing_rule_save(rule=rule, conditions=rule_form.conditions() + picked)
        messages.success(request, f"Saved rule “{rule.name}”.")
        if data["webhook_url"]:
            messages.info(
                request,
                f"Created the webhook endpoint “{rule.webhook_endpoint.name}”: copy its signing "
                "secret from its page now (it is shown once).",
            )
            return redirect("forms_app:webhook_endpoint", endpoint_id=rule.webhook_endpoint_id)
        return redirect("forms_app:routing", slug=form.slug)
    failed = rule_form.errors or any(p.errors for p in pickers)
    return _edit_page(request, form, rule, rule_form, pickers, status=422 if failed else 200)


def _posted_initial(data) -> dict:
    initial = {name: data.get(name) for name in RuleForm.base_fields}
    return {**initial, "tiers": data.getlist("tiers")}


def _edit_page(request, form, rule, rule_form, pickers, *, status=200) -> HttpResponse:
    return render(
        request,
        "forms_app/sales/rule_edit.html",
        {
            "nav": "routing",
            "form": form,
            "rule": rule,
            "rule_form": rule_form,
            "pickers": pickers,
            "can_add_condition": len(pickers) < MAX_CONDITIONS,
            "picker_errors": any(picker.errors for picker in pickers),
        },
        status=status,
    )


@require_POST
@workspace_required
def rule_delete(request: HttpRequest, slug: str, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=rule_id, form__slug=slug)
    routing_rule_delete(rule=rule)
    messages.success(request, f"Deleted rule “{rule.name}”.")
    return redirect("forms_app:routing", slug=slug)


@workspace_required
def rule_preview(request: HttpRequest, slug: str) -> HttpResponse:
    form = _form(slug)
    lead_id = request.GET.get("lead", "")
    if not lead_id.isdigit():
        return HttpResponseBadRequest("lead: choose a lead of this form to try the rules on.")
    lead = get_object_or_404(Lead, pk=int(lead_id), form=form)
    explanation = routing_explain(form=form, lead=lead)
    context = {"form": form, "lead": lead, "decision": explanation.decision}
    context["verdicts"] = explanation.verdicts
    template = "forms_app/sales/_preview.html"
    if not request.htmx:  # without JavaScript: the routing page, with the answer in place
        return _routing_page(request, form, preview=context)
    return render(request, template, context)
