"""Webhook endpoints for tests: where a rule's CRM webhook goes, and a receiver to send it to."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from forms_app.models import WebhookEndpoint


def endpoint_at(url: str, *, name: str = "CRM") -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name=name, url=url)


class LocalReceiver:
    """A real HTTP server on 127.0.0.1 that answers 200 and keeps each POSTed JSON body."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
