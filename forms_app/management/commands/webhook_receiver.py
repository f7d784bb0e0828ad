import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forms_app.sales.signatures import InvalidSecret, secret_key, signature_verify


class Command(BaseCommand):
    help = (
        "A local receiver for formscore webhooks (for the demo and for trying an endpoint): prints "
        "each event it gets and whether its Standard Webhooks signature verifies with --secret."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8161)
        parser.add_argument("--secret", default="", help="The endpoint's signing secret (whsec_…).")

    def handle(self, *args, port: int, secret: str, **options) -> None:
        if secret:
            try:
                secret_key(secret)
            except InvalidSecret as exc:
                raise CommandError(f"--secret: {exc}") from None
        command = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = dict(self.headers.items())
                verified = bool(secret) and signature_verify(
                    secret=secret, body=body, headers=headers
                )
                command.stdout.write(command.describe(headers, body, verified, bool(secret)))
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

    @staticmethod
    def describe(headers: dict, body: bytes, verified: bool, checked: bool) -> str:
        try:
            event = json.loads(body)
        except ValueError:
            event = {}
        event = event if isinstance(event, dict) else {}
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        lead = data.get("lead") if isinstance(data.get("lead"), dict) else {}
        lowered = {key.lower(): value for key, value in headers.items()}
        return (
            f"{lowered.get('webhook-id', '?')} {event.get('type') or '?'}: "
            f"{lead.get('name') or '?'} score {lead.get('score')} {lead.get('tier')}; signature "
            + ("verified" if verified else "NOT verified" if checked else "not checked")
        )
