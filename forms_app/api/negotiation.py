"""An API view answers in one of its own formats even when the Accept header asks for none of
them (a browser's text/html): the first one, instead of a 406 (the API's views answer JSON)."""

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class FirstFormatWhenNoneMatches(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type
