"""The JSON API under /api/v1/: the token API for servers (and its throttles), the headless form
for browsers, and API keys.

An entry point like the views: may import every area of `forms_app` and the scoring adapter.
"""
