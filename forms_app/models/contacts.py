"""People behind leads: which question holds a contact detail, the Contact, and company domains.

A question's `contact_role` (e-mail, name, company, phone) says where a lead's contact details
are, whatever the question's key; `lead_contact` is the one reader of them (inbox, lead page,
messages, webhooks, API, exports). A lead with an e-mail joins the `Contact` of that address,
compared lower-case; contacts at the same business domain group as a company, free-mail never.
"""

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:  # forms imports this module for the roles
    from forms_app.models.forms import Form
    from forms_app.models.leads import Lead


class ContactRole(models.TextChoices):
    EMAIL = "email", "The contact's e-mail"
    NAME = "name", "The contact's name"
    COMPANY = "company", "The contact's company"
    PHONE = "phone", "The contact's phone"


# Free and consumer mail providers: people there share a domain, not a company, so their
# contacts never group. Keep it to providers with many users; a business domain missing here
# only groups its own people.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "tutanota.com",
        "zoho.com",
        "yandex.ru",
        "yandex.com",
        "mail.ru",
        "inbox.ru",
        "bk.ru",
        "list.ru",
        "web.de",
        "t-online.de",
        "freenet.de",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "naver.com",
        "daum.net",
        "rediffmail.com",
        "fastmail.com",
        "hey.com",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
    }
)
# Providers with a domain per country (yahoo.co.uk, gmx.at …): matched by their first label.
FREE_MAIL_PREFIXES = ("yahoo.", "ymail.", "gmx.", "hotmail.", "live.", "outlook.")


def email_normalized(email: str) -> str:
    """The address as contacts compare it: trimmed and lower-case."""
    return (email or "").strip().lower()


def company_domain(email: str) -> str:
    """The business domain people at one company share; empty for free-mail and non-addresses."""
    _, at, domain = email_normalized(email).rpartition("@")
    if not at or "." not in domain:
        return ""
    if domain in FREE_MAIL_DOMAINS or domain.startswith(FREE_MAIL_PREFIXES):
        return ""
    return domain


class Contact(models.Model):
    """A person, known by their e-mail address; the leads they submitted point at it."""

    # Unique: the submit path finds a contact with one indexed lookup, and two submits of the
    # same new person cannot create it twice.
    email_normalized = models.CharField(max_length=254, unique=True)
    # As last seen on a submission.
    email = models.CharField(max_length=254)
    name = models.CharField(max_length=300, blank=True)
    company = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=100, blank=True)
    company_domain = models.CharField(max_length=253, blank=True, db_index=True)
    # The rep who got the contact's first assigned lead; routing keeps sending them its leads.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_contacts",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email_normalized"]

    def __str__(self) -> str:
        return self.name or self.email


# ---------------------------------------------------------------------------------------------
# Roles: which question holds which detail

# The question kinds whose answer can be an e-mail, a name, a company or a phone number.
CONTACT_KINDS = frozenset({"short_text", "email", "phone", "hidden"})
_LABEL_ROLES = (
    (ContactRole.EMAIL, re.compile(r"\be ?mail( address)?$")),
    (
        ContactRole.NAME,
        re.compile(r"^(your |full |contact |first and last |your full )*name( and surname)?$"),
    ),
    (
        ContactRole.COMPANY,
        re.compile(r"^(your )?(company|organisation|organization|employer|business)( name)?$"),
    ),
    (
        ContactRole.PHONE,
        re.compile(r"^(your )?(work |mobile )?(phone|telephone|mobile)( number)?$"),
    ),
)


def contact_role_inferred(*, kind: str, label: str) -> str:
    """The role the obvious kinds and labels have ("Work e-mail", "Full name", "Company" …);
    empty when nothing is obvious."""
    if kind == "email":
        return ContactRole.EMAIL
    if kind == "phone":
        return ContactRole.PHONE
    if kind not in CONTACT_KINDS:
        return ""
    folded = re.sub(r"[^a-z ]+", " ", (label or "").lower().replace("e-mail", "email"))
    folded = re.sub(r"\s+", " ", folded).strip().replace("email", "e mail")
    for role, pattern in _LABEL_ROLES:
        if pattern.search(folded):
            return role
    return ""


@dataclass(frozen=True)
class ContactDetails:
    email: str = ""
    name: str = ""
    company: str = ""
    phone: str = ""


_role_keys_cache: OrderedDict[tuple, dict[str, list[str]]] = OrderedDict()
_CACHE_SIZE = 256


def contact_role_keys(form: "Form") -> dict[str, list[str]]:
    """Role → the keys of the form's questions with that role (current ones first, then
    archived ones, whose answers old leads keep). Cached per form revision like answer forms."""
    # created_at guards against a reused primary key (SQLite reuses ids after a delete).
    cache_key = (form.pk, form.revision, form.created_at)
    cached = _role_keys_cache.get(cache_key)
    if cached is not None:
        return cached
    keys: dict[str, list[str]] = {}
    rows = (
        form.questions.exclude(contact_role="")
        .order_by("archived", "position", "id")
        .values_list("contact_role", "key")
    )
    for role, key in rows:
        keys.setdefault(role, []).append(key)
    _role_keys_cache[cache_key] = keys
    if len(_role_keys_cache) > _CACHE_SIZE:
        _role_keys_cache.popitem(last=False)
    return keys


def contact_details_from_answers(answers: dict, role_keys: dict[str, list[str]]) -> ContactDetails:
    def first(role: str) -> str:
        for key in role_keys.get(role, ()):
            value = (answers or {}).get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return ""

    email = first(ContactRole.EMAIL)
    return ContactDetails(
        email=email if "@" in email else "",
        name=first(ContactRole.NAME),
        company=first(ContactRole.COMPANY),
        phone=first(ContactRole.PHONE),
    )


def leads_contacts_link(*, form: "Form", leads: "list[Lead]") -> int:
    """Join unsaved leads (a batch of imported history) to their people's contacts, creating
    the missing ones: two queries and an insert per batch, not per lead. Existing contacts keep
    their details, which are newer than any history. Returns how many leads were joined."""
    role_keys = contact_role_keys(form)
    if "email" not in role_keys:
        return 0
    people: dict[str, list[Lead]] = {}
    newest: dict[str, tuple] = {}
    for lead in leads:
        details = contact_details_from_answers(lead.answers, role_keys)
        normalized = email_normalized(details.email)
        if not normalized or len(normalized) > 254:
            continue
        people.setdefault(normalized, []).append(lead)
        if normalized not in newest or newest[normalized][0] <= lead.created_at:
            newest[normalized] = (lead.created_at, details)
    if not people:
        return 0
    Contact.objects.bulk_create(
        [
            Contact(
                email_normalized=normalized,
                company_domain=company_domain(normalized),
                email=details.email,
                name=details.name[:300],
                company=details.company[:300],
                phone=details.phone[:100],
            )
            for normalized, (_, details) in newest.items()
        ],
        ignore_conflicts=True,  # people who are contacts already
    )
    ids = dict(
        Contact.objects.filter(email_normalized__in=list(people)).values_list(
            "email_normalized", "id"
        )
    )
    for normalized, their_leads in people.items():
        for lead in their_leads:
            lead.contact_id = ids[normalized]
    return sum(len(their_leads) for their_leads in people.values())


def lead_contact(lead: "Lead") -> ContactDetails:
    """The lead's e-mail, name, company and phone, read from the questions with those roles."""
    return contact_details_from_answers(lead.answers, contact_role_keys(lead.form))
