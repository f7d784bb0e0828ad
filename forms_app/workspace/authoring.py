"""Use cases of the marketer workspace: build a form, its questions, thresholds and points rules.

Every write goes through one of these functions (views, tests and commands call them). They raise
django.core.exceptions.ValidationError naming the field and the problem; views show the message.
"""

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from forms_app.capture.closing import form_responses_counted
from forms_app.capture.metadata import UTM_PARAMETERS
from forms_app.models import Form, Lead, Question
from forms_app.models.forms import normalized_choices, stable_key
from forms_app.models.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from forms_app.scoring_adapter import question_input
from forms_app.workspace import branding
from scoring.conditions import OPERATORS, InvalidCondition, condition_fit, show_when_condition
from scoring.models import PointsRule
from scoring.points import validate_rule

QUESTION_FIELDS = (
    "label",
    "help_text",
    "placeholder",
    "required",
    "feeds_score",
    "min_value",
    "max_value",
    "min_length",
    "max_length",
    "url_parameter",
    "step",
    "contact_role",
)
FORM_SETTINGS_FIELDS = (
    "name",
    "slug",
    "description",
    "submit_label",
    "accent_color",
    "thank_you_message",
    "sales_ready_message",
    "marketing_qualified_message",
    "nurture_message",
    "booking_url",
    "allowed_sites",
    "conversion_definition",
    "collect_browsing_signals",
    "key_pages",
    "retention_days",
    # Next steps by tier
    "resources",
    "sales_ready_redirect_url",
    "marketing_qualified_redirect_url",
    "nurture_redirect_url",
    # SLA and retraining
    "sla_sales_ready_minutes",
    "sla_marketing_qualified_minutes",
    "sla_nurture_minutes",
    "retrain_enabled",
    "retrain_after_outcomes",
    # Branding (the logo: form_logo_set)
    "font",
    # Closing
    "closes_at",
    "response_limit",
    "closed_message",
)
_COPIED_FORM_FIELDS = (
    *FORM_SETTINGS_FIELDS,
    "sales_ready_threshold",
    "marketing_qualified_threshold",
)
_COPIED_QUESTION_FIELDS = (*QUESTION_FIELDS, "key", "kind", "choices", "position", "condition")
logger = logging.getLogger(__name__)
_WEB_ADDRESS = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_URL_PARAMETER = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$")


def unique_slug(text: str) -> str:
    base = stable_key(text, set(), fallback="form").replace("_", "-")[:70]
    taken = set(Form.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


# Forms


def form_create(*, name: str, slug: str = "") -> Form:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the form a name."})
    slug = slug.strip() or unique_slug(name)
    if Form.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"The address /f/{slug}/ is already taken."})
    return Form.objects.create(name=name, slug=slug)


def form_duplicate(*, form: Form, name: str = "") -> Form:
    """A draft copy with the same settings, questions (same keys) and points rules; no leads."""
    name = name.strip() or f"{form.name} (copy)"
    with transaction.atomic():
        copy = Form(**{field: getattr(form, field) for field in _COPIED_FORM_FIELDS})
        copy.name, copy.slug, copy.status = name, unique_slug(name), Form.Status.DRAFT
        copy.save()
        Question.objects.bulk_create(
            Question(form=copy, **{field: getattr(q, field) for field in _COPIED_QUESTION_FIELDS})
            for q in form.questions.filter(archived=False)
        )
        PointsRule.objects.bulk_create(
            PointsRule(
                form=copy,
                source=rule.source,
                key=rule.key,
                operator=rule.operator,
                value=rule.value,
                points=rule.points,
                position=rule.position,
            )
            for rule in form.points_rules.all()
        )
    return copy


def form_update(
    *, form: Form, logo: bytes | None = None, logo_remove: bool = False, **fields: Any
) -> Form:
    """Change the form's settings (and its logo: new bytes, or removed) in one go."""
    unknown = set(fields) - set(FORM_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"not a form setting: {', '.join(sorted(unknown))}")
    new_slug = fields.get("slug", form.slug)
    if new_slug != form.slug:
        if form.leads.exists():
            raise ValidationError(
                {
                    "slug": "This form already has leads, so its address stays "
                    f"/f/{form.slug}/ (links and embeds in the wild point to it)."
                }
            )
        if Form.objects.filter(slug=new_slug).exclude(pk=form.pk).exists():
            raise ValidationError({"slug": f"The address /f/{new_slug}/ is already taken."})
    if "accent_color" in fields and fields["accent_color"].lower() != form.accent_color.lower():
        # Only a change is judged: a form saved before the check keeps its colour until edited.
        fields["accent_color"] = branding.accent_color_checked(fields["accent_color"])
    if "resources" in fields:
        fields["resources"] = resources_checked(fields["resources"])
    written = [*fields, "updated_at"]
    starts_counting = fields.get("response_limit") is not None and form.response_limit is None
    for field, value in fields.items():
        setattr(form, field, value)
    form.full_clean(exclude=["questions"])
    if logo is not None:
        branding.logo_content_type(logo)  # judged before anything is written
    with transaction.atomic():
        if starts_counting:
            # From now on each response is counted in its lead's transaction (capture.closing).
            form.response_count = form_responses_counted(form=form)
            written.append("response_count")
        # Only the settings: the response counter is written by submits meanwhile.
        form.save(update_fields=written)
        if logo is not None:
            branding.form_logo_set(form=form, data=logo)
        elif logo_remove and form.logo_hash:
            branding.form_logo_remove(form=form)
    return form


def resources_checked(resources: list[dict]) -> list[dict[str, str]]:
    """Resources as [{"title", "url"}], each with a title and an http(s) address."""
    checked = []
    for number, item in enumerate(resources or [], start=1):
        title = str(item.get("title", "")).strip()
        url = str(item.get("url", "")).strip()
        if not title and not url:
            continue
        if not title:
            raise ValidationError({"resources": f"Resource {number}: give it a title."})
        if not _WEB_ADDRESS.fullmatch(url):
            raise ValidationError(
                {
                    "resources": f"Resource {number} (“{title}”): “{url}” is not a web address; "
                    "write it like https://www.example.com/guide."
                }
            )
        checked.append({"title": title[:200], "url": url})
    return checked


def form_publish(*, form: Form) -> Form:
    if not form.questions.filter(archived=False).exclude(kind=Question.Kind.HIDDEN).exists():
        raise ValidationError("Add at least one question a prospect can answer before publishing.")
    form.status = Form.Status.PUBLISHED
    form.save(update_fields=["status", "updated_at"])
    return form


def form_unpublish(*, form: Form) -> Form:
    form.status = Form.Status.DRAFT
    form.save(update_fields=["status", "updated_at"])
    return form


def thresholds_update(*, form: Form, marketing_qualified: int, sales_ready: int) -> Form:
    if not 0 < marketing_qualified < sales_ready <= 100:
        raise ValidationError(
            {
                "sales_ready": "Thresholds must satisfy 0 < marketing-qualified < sales-ready ≤ "
                f"100; got marketing-qualified {marketing_qualified} and sales-ready "
                f"{sales_ready}."
            }
        )
    form.marketing_qualified_threshold = marketing_qualified
    form.sales_ready_threshold = sales_ready
    form.save(
        update_fields=["marketing_qualified_threshold", "sales_ready_threshold", "updated_at"]
    )
    return form


# Questions


def _clean_choices(kind: str, choices: list[dict] | None, existing: list[dict]) -> list[dict]:
    if kind not in Question.CHOICE_KINDS:
        return []
    labels = [c for c in choices or [] if str(c.get("label", "")).strip()]
    if not labels:
        raise ValidationError({"choices": "A choice question needs at least one choice."})
    if any(has_control_characters(str(c["label"])) for c in labels):
        raise ValidationError({"choices": CONTROL_CHARACTERS_MESSAGE})
    known_values = {c["value"] for c in existing}
    for choice in labels:
        # Values are stable like keys: only values that already exist may be sent back.
        if choice.get("value") and choice["value"] not in known_values:
            raise ValidationError({"choices": f"Unknown choice value {choice['value']!r}."})
    try:
        return _normalized(labels)
    except ValidationError as exc:
        raise ValidationError({"choices": exc.messages}) from exc


def _values_in_use(question: Question) -> set[str]:
    """Choice values something depends on: answers, other questions' conditions, points rules."""
    if question_answer_count(question):
        return {c["value"] for c in question.choices}
    used: set[str] = set()
    for condition in Question.objects.filter(form_id=question.form_id).values_list(
        "condition", flat=True
    ):
        if condition and condition.get("question") == question.key:
            used.update(condition.get("values") or [])
    for value in PointsRule.objects.filter(
        form_id=question.form_id, source=PointsRule.Source.ANSWER, key=question.key
    ).values_list("value", flat=True):
        used.update(value if isinstance(value, list) else [str(value)])
    return used


def _relabelled_choices(question: Question, choices: list[dict]) -> list[dict]:
    """Choices as posted, with stored values kept where they must be.

    A renamed choice nothing uses yet takes a value from its new label; used values stay. A new
    line whose label is an existing choice's (even re-cased) is that choice: it keeps its value,
    so answers and rules that use it stay valid.
    """
    used = _values_in_use(question)
    labels = {c["value"]: c["label"] for c in question.choices}
    by_label = {_folded(c["label"]): c["value"] for c in question.choices}
    posted = {c["value"] for c in choices if c.get("value")}
    kept = []
    for c in choices:
        value = c.get("value") or ""
        if value and value not in used and _folded(labels.get(value, "")) != _folded(c["label"]):
            value = ""
        if not value and by_label.get(_folded(c["label"])) not in (None, *posted):
            value = by_label[_folded(c["label"])]
        posted.add(value)
        kept.append({**c, "value": value})
    return kept


def _folded(label: str) -> str:
    return str(label).strip().casefold()


def _normalized(choices: list[dict]) -> list[dict]:
    seen: set[str] = set()
    twice: list[str] = []
    for choice in choices:
        label = _folded(choice["label"])
        if label in seen and label not in map(_folded, twice):
            twice.append(str(choice["label"]).strip())
        seen.add(label)
    if twice:
        quoted = [f"“{label}”" for label in twice]
        named = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
        raise ValidationError(
            f"Each choice once, please: {named} {'is' if len(twice) == 1 else 'are'} there twice."
        )
    return normalized_choices(choices)


def _check_limits(kind: str, fields: dict[str, Any]) -> None:
    low, high = fields.get("min_value"), fields.get("max_value")
    if low is not None and high is not None and low > high:
        raise ValidationError({"max_value": "The maximum must be at least the minimum."})
    low, high = fields.get("min_length"), fields.get("max_length")
    if low is not None and high is not None and low > high:
        raise ValidationError({"max_length": "The maximum length must be at least the minimum."})
    if kind == Question.Kind.HIDDEN:
        parameter = fields.get("url_parameter") or ""
        if not _URL_PARAMETER.match(parameter):
            raise ValidationError(
                {"url_parameter": "Name the URL parameter to capture, e.g. utm_campaign."}
            )


def _check_condition(question: Question, condition: dict | None) -> dict | None:
    if not condition:
        return None
    source = (
        Question.objects.filter(form_id=question.form_id, key=condition.get("question"))
        .exclude(pk=question.pk)
        .first()
    )
    if source is None or source.archived or source.kind not in Question.CHOICE_KINDS:
        raise ValidationError(
            {"condition": "A condition must depend on a choice question of this form."}
        )
    if (source.position, source.pk) >= (question.position, question.pk or 1 << 62):
        raise ValidationError(
            {"condition": f"“{source.label}” comes after this question; move it above first."}
        )
    values = [v for v in condition.get("values") or [] if v]
    if not values:
        raise ValidationError({"condition": f"Pick at least one answer of “{source.label}”."})
    try:
        # Checked as routing and points conditions are: the message names the value that is
        # not a choice and lists the choices by label; a label is stored as its value.
        fitted = condition_fit(
            show_when_condition({"question": source.key, "values": values}),
            question_input(source),
        )
    except InvalidCondition as exc:
        raise ValidationError({"condition": f"{str(exc)[0].upper()}{str(exc)[1:]}"}) from exc
    values = list(dict.fromkeys(fitted["value"]))
    return {"question": source.key, "values": values}


def _check_contact_role(question: Question) -> None:
    """One current question per contact detail: a second e-mail question would make "the
    contact's e-mail" ambiguous."""
    if not question.contact_role or question.archived:
        return
    holder = (
        Question.objects.filter(
            form_id=question.form_id, contact_role=question.contact_role, archived=False
        )
        .exclude(pk=question.pk)
        .first()
    )
    if holder is not None:
        role = question.get_contact_role_display().lower()
        raise ValidationError(
            {
                "contact_role": f"“{holder.label}” is already {role}; "
                "set it to “Not a contact detail” first."
            }
        )


def question_add(*, form: Form, kind: str, label: str, **fields: Any) -> Question:
    if kind not in Question.Kind.values:
        raise ValidationError({"kind": f"Unknown question kind {kind!r}."})
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": "Write the question's label."})
    choices = fields.pop("choices", None)
    if kind in Question.CHOICE_KINDS and not choices:
        choices = [{"label": "Option 1"}, {"label": "Option 2"}]
    if kind == Question.Kind.HIDDEN and not fields.get("url_parameter"):
        fields["url_parameter"] = stable_key(label, set())
    _check_limits(kind, fields)
    with transaction.atomic():
        # Race: two marketers adding at once would pick the same position.
        Form.objects.select_for_update().filter(pk=form.pk).first()
        last = form.questions.aggregate(last=Max("position"))["last"]
        question = Question(
            form=form,
            kind=kind,
            label=label,
            position=0 if last is None else last + 1,
            choices=_clean_choices(kind, choices, []),
            **fields,
        )
        question.full_clean(exclude=["key", "form"])
        _check_contact_role(question)
        question.save()
    return question


def question_update(*, question: Question, **fields: Any) -> Question:
    """Edit anything but the key and the kind: answers and model features are keyed by them."""
    unknown = set(fields) - {*QUESTION_FIELDS, "choices", "condition"}
    if unknown:
        raise ValueError(f"not an editable question field: {', '.join(sorted(unknown))}")
    if "label" in fields:
        fields["label"] = (fields["label"] or "").strip()
        if not fields["label"]:
            raise ValidationError({"label": "Write the question's label."})
    merged = {field: getattr(question, field) for field in QUESTION_FIELDS} | fields
    _check_limits(question.kind, merged)
    if "choices" in fields:
        fields["choices"] = _clean_choices(
            question.kind, _relabelled_choices(question, fields["choices"]), question.choices
        )
    if "condition" in fields:
        fields["condition"] = _check_condition(question, fields["condition"])
    for field, value in fields.items():
        setattr(question, field, value)
    question.full_clean(exclude=["key", "form"])
    _check_contact_role(question)
    question.save()
    return question


def hidden_utm_fields_add(*, form: Form) -> list[Question]:
    """Hidden fields for the UTM parameters the form does not capture yet."""
    captured = set(form.questions.filter(archived=False).values_list("url_parameter", flat=True))
    return [
        question_add(
            form=form,
            kind=Question.Kind.HIDDEN,
            label=f"UTM {name.removeprefix('utm_')}",
            url_parameter=name,
        )
        for name in UTM_PARAMETERS
        if name not in captured
    ]


def questions_reorder(*, form: Form, ordered_ids: list[int]) -> None:
    """Put the form's active questions in the given order (archived ones keep their place)."""
    with transaction.atomic():
        # Race: two reorders at once would interleave their positions.
        Form.objects.select_for_update().filter(pk=form.pk).first()
        questions = {q.pk: q for q in form.questions.filter(archived=False)}
        if sorted(ordered_ids) != sorted(questions):
            raise ValidationError(
                "The order must list every question of the form exactly once; reload the page."
            )
        for position, pk in enumerate(ordered_ids):
            questions[pk].position = position
        Question.objects.bulk_update(questions.values(), ["position"])
        Form.revision_bump(form.pk)


def question_move(*, question: Question, direction: str) -> None:
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move a question up or down."})
    ids = list(
        Question.objects.filter(form_id=question.form_id, archived=False)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    index = ids.index(question.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        questions_reorder(form=question.form, ordered_ids=ids)


def question_choice_move(*, question: Question, value: str, direction: str) -> None:
    """Move one choice up or down; values stay, so answers and rules are untouched."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move a choice up or down."})
    values = [c["value"] for c in question.choices]
    if value not in values:
        raise ValidationError({"choices": f"“{question.label}” has no choice {value!r}."})
    index = values.index(value)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(values):
        choices = list(question.choices)
        choices[index], choices[other] = choices[other], choices[index]
        question.choices = choices
        question.save(update_fields=["choices"])


@dataclass(frozen=True)
class QuestionRemoval:
    archived: bool
    answers_kept: int


def question_answer_count(question: Question) -> int:
    return Lead.objects.filter(form_id=question.form_id, answers__has_key=question.key).count()


def question_remove(*, question: Question) -> QuestionRemoval:
    """Delete a question nobody answered; archive one with answers, so they and its key stay."""
    answers = question_answer_count(question)
    if answers:
        question.archived = True
        question.save(update_fields=["archived"])
        return QuestionRemoval(archived=True, answers_kept=answers)
    question.delete()
    return QuestionRemoval(archived=False, answers_kept=0)


def question_restore(*, question: Question) -> Question:
    last = question.form.questions.filter(archived=False).aggregate(last=Max("position"))["last"]
    question.archived = False
    question.position = 0 if last is None else last + 1
    try:
        _check_contact_role(question)
    except ValidationError:
        question.contact_role = ""  # another question took over that contact detail meanwhile
    question.save(update_fields=["archived", "position", "contact_role"])
    return question


def question_arrival_answer(*, question: Question, known: bool, actor=None) -> Question:
    """Record the marketer's answer to "was this known when the lead arrived?".

    No means the answers were filled in later (by sales, after contact): the leakage guard then
    keeps the question out of training. `actor` is who answered, for the log.
    """
    question.known_at_arrival = bool(known)
    question.save(update_fields=["known_at_arrival"])
    logger.info(
        "Question %s of form %s: known when the lead arrived = %s (by %s).",
        question.key,
        question.form_id,
        question.known_at_arrival,
        getattr(actor, "username", None) or "a command",
    )
    return question


# Points rules


def _points_rule_checked(form: Form, fields: dict[str, Any]) -> dict[str, Any]:
    rule = {name: fields.get(name) for name in ("source", "key", "operator", "value", "points")}
    if rule["value"] is None:
        rule.pop("value")
    try:
        validate_rule(rule)
    except ValueError as exc:
        raise ValidationError({"value": f"{str(exc)[0].upper()}{str(exc)[1:]}."}) from exc
    question = None
    if rule["source"] == PointsRule.Source.ANSWER:
        question = form.questions.filter(key=rule["key"]).first()
        if question is None:
            raise ValidationError({"key": f"This form has no question {rule['key']!r}."})
        operator = OPERATORS[rule["operator"]]
        if operator.question_kinds and question.kind not in operator.question_kinds:
            name = PointsRule.Operator(operator.name).label
            kinds = " or ".join(Question.Kind(k).label.lower() for k in operator.question_kinds)
            raise ValidationError({"operator": f"“{name}” applies to {kinds} questions only."})
    try:
        # The operator must fit the question and a choice must be one of its choices (a label
        # becomes its value): a rule that could never match is refused, not saved.
        fitted = condition_fit(rule, question_input(question) if question else None)
    except InvalidCondition as exc:
        raise ValidationError({"value": f"{str(exc)[0].upper()}{str(exc)[1:]}"}) from exc
    return {"value": None, **fitted}


def points_rule_add(*, form: Form, **fields: Any) -> PointsRule:
    rule = _points_rule_checked(form, fields)
    last = form.points_rules.aggregate(last=Max("position"))["last"]
    return PointsRule.objects.create(form=form, position=0 if last is None else last + 1, **rule)


def points_rule_update(*, rule: PointsRule, **fields: Any) -> PointsRule:
    checked = _points_rule_checked(rule.form, {**rule.as_rule(), **fields})
    for field, value in checked.items():
        setattr(rule, field, value)
    rule.save()
    return rule


def points_rule_remove(*, rule: PointsRule) -> None:
    rule.delete()
