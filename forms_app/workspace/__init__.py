"""The marketer's workspace: authoring forms, questions, thresholds and points rules; importing
history and exporting leads; analytics and per-form numbers; the workspace pages' input forms.

May import `forms_app.models`, `forms_app.capture` (constants of the submit), the scoring adapter
and `scoring`; never views or the API.
"""
