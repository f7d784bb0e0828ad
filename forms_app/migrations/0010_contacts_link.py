"""Existing forms get their questions' contact roles, existing leads their contacts.

Roles are inferred as creating a question does. Leads are read in batches by primary key and
linked with a few bulk UPDATEs per batch; each contact takes its e-mail, name, company and
phone as last given, and its owner from its newest assigned lead.
"""

from django.db import migrations

from forms_app.models.contacts import company_domain, contact_role_inferred, email_normalized

BATCH = 2000


def roles_infer(Question) -> None:
    taken: set[tuple[int, str]] = set(
        Question.objects.filter(archived=False)
        .exclude(contact_role="")
        .values_list("form_id", "contact_role")
    )
    changed = []
    for question in Question.objects.filter(contact_role="").order_by(
        "form_id", "archived", "position", "id"
    ):
        role = contact_role_inferred(kind=question.kind, label=question.label)
        if not role or (not question.archived and (question.form_id, role) in taken):
            continue
        if not question.archived:
            taken.add((question.form_id, role))
        question.contact_role = role
        changed.append(question)
    Question.objects.bulk_update(changed, ["contact_role"], batch_size=500)


def _first(answers: dict, keys: list[str]) -> str:
    for key in keys:
        value = answers.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def leads_link(apps, schema_editor) -> None:
    Question = apps.get_model("forms_app", "Question")
    Lead = apps.get_model("forms_app", "Lead")
    Contact = apps.get_model("forms_app", "Contact")
    roles_infer(Question)

    role_keys: dict[int, dict[str, list[str]]] = {}
    for form_id, role, key in (
        Question.objects.exclude(contact_role="")
        .order_by("form_id", "archived", "position", "id")
        .values_list("form_id", "contact_role", "key")
    ):
        role_keys.setdefault(form_id, {}).setdefault(role, []).append(key)

    contact_ids = dict(Contact.objects.values_list("email_normalized", "id"))
    # email → each detail as last given (created_at, value), and (created_at, rep) of its
    # newest assigned lead.
    newest: dict[str, dict[str, tuple]] = {}
    newest_assigned: dict[str, tuple] = {}
    last_pk = 0
    forms_with_email = [form_id for form_id, roles in role_keys.items() if "email" in roles]
    while True:
        rows = list(
            Lead.objects.filter(pk__gt=last_pk, contact__isnull=True, form_id__in=forms_with_email)
            .order_by("pk")
            .values_list("pk", "form_id", "answers", "created_at", "assigned_to_id")[:BATCH]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        by_email: dict[str, list[int]] = {}
        for pk, form_id, answers, created_at, assigned_to_id in rows:
            keys = role_keys[form_id]
            answers = answers if isinstance(answers, dict) else {}
            email = _first(answers, keys.get("email", []))
            if "@" not in email:
                continue
            normalized = email_normalized(email)
            if len(normalized) > 254:
                continue  # not an address anyone types; the submit path skips it too
            by_email.setdefault(normalized, []).append(pk)
            details = {
                "email": email,
                "name": _first(answers, keys.get("name", [])),
                "company": _first(answers, keys.get("company", [])),
                "phone": _first(answers, keys.get("phone", [])),
            }
            seen = newest.setdefault(normalized, {})
            for field, value in details.items():
                if value and (field not in seen or seen[field][0] <= created_at):
                    seen[field] = (created_at, value)
            if assigned_to_id and (
                normalized not in newest_assigned or newest_assigned[normalized][0] <= created_at
            ):
                newest_assigned[normalized] = (created_at, assigned_to_id)
        new = [
            Contact(
                email_normalized=normalized,
                email=newest[normalized]["email"][1][:254],
                company_domain=company_domain(normalized),
            )
            for normalized in by_email
            if normalized not in contact_ids
        ]
        Contact.objects.bulk_create(new, batch_size=500)
        contact_ids.update(
            Contact.objects.filter(
                email_normalized__in=[contact.email_normalized for contact in new]
            ).values_list("email_normalized", "id")
        )
        Lead.objects.bulk_update(
            [
                Lead(pk=pk, contact_id=contact_ids[normalized])
                for normalized, pks in by_email.items()
                for pk in pks
            ],
            ["contact"],
            batch_size=500,
        )

    # Read whole, not filtered by the (possibly 200,000) addresses: SQLite caps parameters.
    contacts = [
        c for c in Contact.objects.iterator(chunk_size=BATCH) if c.email_normalized in newest
    ]
    limits = {"email": 254, "name": 300, "company": 300, "phone": 100}
    for contact in contacts:
        for field, (_, value) in newest[contact.email_normalized].items():
            setattr(contact, field, value[: limits[field]])
        if contact.owner_id is None and contact.email_normalized in newest_assigned:
            contact.owner_id = newest_assigned[contact.email_normalized][1]
    Contact.objects.bulk_update(
        contacts, ["email", "name", "company", "phone", "owner"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [("forms_app", "0009_contacts")]

    operations = [migrations.RunPython(leads_link, migrations.RunPython.noop)]
