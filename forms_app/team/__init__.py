"""The team: who works in the workspace and in which role (roles are Django groups), how people
join (invitations by e-mail, sent through the sales outbox), deactivating, and a user's own
password.

May import `forms_app.models`, `forms_app.permissions` and `forms_app.sales` (the outbox delivers
the invitation e-mail); never views, the API, capture or the workspace.
"""
