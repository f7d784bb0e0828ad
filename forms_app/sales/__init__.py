"""The sales side: reps and teams, routing, notifications (their messages, the outbox and its
delivery), the inbox's reads, outcomes, and learning from those outcomes.

May import `forms_app.models`, `forms_app.permissions`, the scoring adapter and `scoring`; never
the capture area, the workspace, the API or views.
"""
