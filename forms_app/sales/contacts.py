"""Contacts on the sales side: a submission joins its person, the person's owner, their leads.

`contact_for_answers` runs on the submit path (inside `lead_capture`'s transaction, before the
lead's insert): one indexed lookup of the e-mail, an update only when their name, company or
phone changed; a new person's contact is inserted by `contact_store` once routing has chosen its
owner. Routing keeps a contact with its owner
(`contact_owner_routed_to`) and the first assignment makes the owner (`contact_owner_claim`).
"""

from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from forms_app.models import Contact, Form, Lead, RoutingRule
from forms_app.models.contacts import (
    company_domain,
    contact_details_from_answers,
    contact_role_keys,
    email_normalized,
)


def contact_for_answers(*, form: Form, answers: dict[str, Any]) -> Contact | None:
    """The contact of the answers' e-mail, its details refreshed; for a new person an unsaved
    one that `contact_store` inserts once routing has chosen its owner. None without an e-mail."""
    details = contact_details_from_answers(answers, contact_role_keys(form))
    normalized = email_normalized(details.email)
    if not normalized or len(normalized) > 254:
        return None
    fields = {
        "email": details.email,
        "name": details.name[:300],
        "company": details.company[:300],
        "phone": details.phone[:100],
    }
    contact = _contact_by_email(normalized)
    if contact is None:
        return Contact(
            email_normalized=normalized, company_domain=company_domain(normalized), **fields
        )
    changed = {
        name: value for name, value in fields.items() if value and value != getattr(contact, name)
    }
    if changed:
        Contact.objects.filter(pk=contact.pk).update(**changed)
        for name, value in changed.items():
            setattr(contact, name, value)
    return contact


# Once per submit each, so plain SQL: compiling the ORM's query cost more than running it.
_CONTACT_COLUMNS = ("id", "email_normalized", "email", "name", "company", "phone", "owner_id")


def _contact_table() -> str:
    return connection.ops.quote_name(Contact._meta.db_table)


def _contact_by_email(normalized: str) -> Contact | None:
    """The contact of a normalised address, on the unique index; its other columns (company
    domain, created_at) load only if something reads them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_CONTACT_COLUMNS)} FROM {_contact_table()} "
            "WHERE email_normalized = %s",
            [normalized],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return Contact.from_db(connection.alias, list(_CONTACT_COLUMNS), list(row))


def contact_store(contact: Contact, *, owner) -> Contact:
    """Insert a new person's contact, owned by the rep their first lead goes to (if any)."""
    contact.owner = owner
    contact.created_at = timezone.now()
    columns = ("email_normalized", "email", "name", "company", "phone", "company_domain")
    values = [getattr(contact, column) for column in columns]
    # Race: the same new person submitting twice at once. The unique e-mail makes the second
    # insert a conflict, which the upsert turns into joining the first one's row (no savepoint,
    # no retry; the id comes back either way, the first one's owner stays).
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_contact_table()} "
            f"({', '.join(columns)}, owner_id, created_at) "
            f"VALUES ({', '.join(['%s'] * (len(columns) + 2))}) "
            "ON CONFLICT (email_normalized) DO UPDATE SET email = excluded.email "
            "RETURNING id, owner_id",
            [
                *values,
                contact.owner_id,
                connection.ops.adapt_datetimefield_value(contact.created_at),
            ],
        )
        contact.pk, contact.owner_id = cursor.fetchone()
    contact._state.adding = False
    return contact


def contact_owner_routed_to(*, lead: Lead, rule: RoutingRule, known_reps: dict | None = None):
    """The owner of the lead's contact if this rule keeps owners and they can take leads.

    known_reps: active reps by id (the submit path's cached routing setup), so that an owner
    among them costs no query.
    """
    if rule.contact_owner != RoutingRule.ContactOwner.KEEP or lead.contact_id is None:
        return None
    owner_id = lead.contact.owner_id
    if owner_id is not None and known_reps and owner_id in known_reps:
        return known_reps[owner_id]
    owner = lead.contact.owner
    profile = getattr(owner, "rep_profile", None) if owner else None
    # Capacity is not checked: a person already in talks stays with their rep.
    if owner is None or not owner.is_active or profile is None or not profile.active:
        return None
    return owner


def contact_owner_claim(*, lead: Lead, assignee) -> None:
    """The first rep assigned one of a contact's leads owns the contact."""
    if lead.contact_id is None or assignee is None or lead.contact.owner_id is not None:
        return
    # Race: two first leads of one person routed at once; the first UPDATE wins, the other
    # finds an owner already and changes nothing.
    if Contact.objects.filter(pk=lead.contact_id, owner__isnull=True).update(owner=assignee):
        lead.contact.owner = assignee


def contact_leads(*, contact: Contact, leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """The contact's submissions among these leads (those a user may see), newest first."""
    return leads.filter(contact=contact).select_related("form").order_by("-created_at", "-id")


def company_people_count(*, domain: str) -> int:
    """How many contacts share this business domain."""
    return Contact.objects.filter(company_domain=domain).count() if domain else 0
