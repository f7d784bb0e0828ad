from forms_app.models.forms import Form, Question
from forms_app.models.leads import Lead
from forms_app.models.sales import LeadEvent, Notification, RepProfile, RoutingRule, Team

__all__ = [
    "Form",
    "Lead",
    "LeadEvent",
    "Notification",
    "Question",
    "RepProfile",
    "RoutingRule",
    "Team",
]
