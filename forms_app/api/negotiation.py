"""The API answers JSON whatever the Accept header says (a browser's text/html included): one
representation per URL, so caches need not vary on Accept and nobody gets a 406."""

from rest_framework.negotiation import DefaultContentNegotiation


class JSONAlways(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
