import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand, CommandParser

from forms_app.sales.outbox import DELIVERY_HEADER, SIGNATURE_HEADER, signature_verify


class Command(BaseCommand):
    help = (
        "A local receiver for formscore webhooks (for the demo and for trying a rule): prints "
        "each lead it gets and whether its signature verifies with --secret."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8161)
        parser.add_argument("--secret", default="", help="The rule's signing secret.")

    def handle(self, *args, port: int, secret: str, **options) -> None:
        command = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                header = self.headers.get(SIGNATURE_HEADER, "")
                verified = bool(secret) and signature_verify(
                    secret=secret, body=body, header=header
                )
                try:
                    lead = json.loads(body).get("lead", {})
                except ValueError:
                    lead = {}
                command.stdout.write(
                    f"{self.headers.get(DELIVERY_HEADER, '?')}: {lead.get('name') or '?'} "
                    f"score {lead.get('score')} {lead.get('tier')}; signature "
                    + ("verified" if verified else "NOT verified" if secret else "not checked")
                )
                self.send_response(200 if verified or not secret else 401)
                self.end_headers()

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.stdout.write(f"Receiving webhooks at http://127.0.0.1:{port}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
