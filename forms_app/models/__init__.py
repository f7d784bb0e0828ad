from forms_app.models.analytics import FormStepStat, SpamRefusal
from forms_app.models.contacts import Contact, ContactRole, lead_contact
from forms_app.models.drift import DriftEpisode
from forms_app.models.forms import Form, FormLogo, Question
from forms_app.models.imports import ImportRun
from forms_app.models.leads import Lead
from forms_app.models.privacy import PrivacyAction
from forms_app.models.revision import SettingsRevision
from forms_app.models.sales import (
    LeadEvent,
    Notification,
    RepOpenLeads,
    RepProfile,
    RoutingRule,
    Team,
    WebhookEndpoint,
)
from forms_app.models.team import AccountEvent, Invitation
from forms_app.models.workspace import CURRENCIES, WorkspaceSettings

__all__ = [
    "CURRENCIES",
    "AccountEvent",
    "Contact",
    "ContactRole",
    "DriftEpisode",
    "Form",
    "FormLogo",
    "FormStepStat",
    "ImportRun",
    "Invitation",
    "Lead",
    "LeadEvent",
    "Notification",
    "PrivacyAction",
    "Question",
    "RepOpenLeads",
    "RepProfile",
    "RoutingRule",
    "SettingsRevision",
    "SpamRefusal",
    "Team",
    "WebhookEndpoint",
    "WorkspaceSettings",
    "lead_contact",
]
