"""Existing forms get their questions' contact roles, existing leads their contacts.

Roles are inferred as creating a question does. Leads are read in batches by primary key; each
contact is inserted whole (its e-mail, name, company and phone as last given, its owner from its
newest assigned lead) and the leads are linked with one UPDATE from a temporary table.
"""

from django.db import migrations

from forms_app.models.contacts import company_domain, contact_role_inferred, email_normalized

BATCH = 2000
LIMITS = {"email": 254, "name": 300, "company": 300, "phone": 100}


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
    forms_with_email = [form_id for form_id, roles in role_keys.items() if "email" in roles]

    # email → each detail as last given: {field: (created_at, value)}, the owner as
    # (created_at, rep) of the newest assigned lead, and the leads to link.
    details: dict[str, dict[str, tuple]] = {}
    owners: dict[str, tuple] = {}
    links: list[tuple[int, str]] = []
    last_pk = 0
    while True:
        rows = list(
            Lead.objects.filter(pk__gt=last_pk, form_id__in=forms_with_email)
            .order_by("pk")
            .values_list("pk", "form_id", "answers", "created_at", "assigned_to_id")[:BATCH]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        for pk, form_id, answers, created_at, assigned_to_id in rows:
            keys = role_keys[form_id]
            answers = answers if isinstance(answers, dict) else {}
            email = _first(answers, keys.get("email", []))
            normalized = email_normalized(email)
            if "@" not in email or len(normalized) > 254:
                continue  # no address, or none anyone types: the submit path skips it too
            links.append((pk, normalized))
            seen = details.setdefault(normalized, {})
            for field in ("name", "company", "phone"):
                value = _first(answers, keys.get(field, []))
                if value and (field not in seen or seen[field][0] <= created_at):
                    seen[field] = (created_at, value[: LIMITS[field]])
            if "email" not in seen or seen["email"][0] <= created_at:
                seen["email"] = (created_at, email)
            if assigned_to_id and (normalized not in owners or owners[normalized][0] <= created_at):
                owners[normalized] = (created_at, assigned_to_id)

    # Made whole in one pass: bulk inserts, not per-row updates (Django's bulk_update builds a
    # CASE per row, minutes on 200,000 leads).
    Contact.objects.bulk_create(
        (
            Contact(
                email_normalized=normalized,
                company_domain=company_domain(normalized),
                owner_id=owners[normalized][1] if normalized in owners else None,
                **{field: value for field, (_, value) in seen.items()},
            )
            for normalized, seen in details.items()
        ),
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    contact_ids = dict(Contact.objects.values_list("email_normalized", "id"))
    lead_table = schema_editor.quote_name(Lead._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE contacts_link (lead_id bigint PRIMARY KEY, contact_id bigint)"
        )
        for start in range(0, len(links), BATCH):
            cursor.executemany(
                "INSERT INTO contacts_link (lead_id, contact_id) VALUES (%s, %s)",
                [(pk, contact_ids[normalized]) for pk, normalized in links[start : start + BATCH]],
            )
        cursor.execute(
            f"UPDATE {lead_table} SET contact_id = (SELECT contact_id FROM contacts_link "
            f"WHERE contacts_link.lead_id = {lead_table}.id) "
            "WHERE id IN (SELECT lead_id FROM contacts_link)"
        )
        cursor.execute("DROP TABLE contacts_link")


class Migration(migrations.Migration):
    dependencies = [("forms_app", "0011_contacts")]

    operations = [migrations.RunPython(leads_link, migrations.RunPython.noop)]
