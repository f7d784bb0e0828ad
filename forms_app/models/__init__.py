from forms_app.models.forms import Form, Question
from forms_app.models.leads import Lead

__all__ = ["Form", "Lead", "Question"]
