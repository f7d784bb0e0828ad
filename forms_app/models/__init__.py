from forms_app.models.analytics import FormStepStat, SpamRefusal
from forms_app.models.forms import Form, Question
from forms_app.models.leads import Lead

__all__ = ["Form", "FormStepStat", "Lead", "Question", "SpamRefusal"]
