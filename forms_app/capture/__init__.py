"""The submit: what happens between a prospect's POST and a stored, scored, routed lead.

The one submission check every entry point runs (`checks`), form tokens, spam defences, the
origin rules of embedding, multi-step forms and partial leads, the runtime answer form, capture
metadata, `lead_capture` and the next step a prospect sees.
May import `forms_app.models`, `forms_app.sales` (routing on submit), the scoring adapter and
`scoring`'s pure modules; never the workspace, the API or views.
"""
