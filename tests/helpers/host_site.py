"""A second local web server standing in for a customer's site (another origin, another site)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST_PORTS = range(8151, 8160)  # the second origin; "localhost" also makes it another site
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Analytics — {path}</title>
<style>
  body {{ margin: 0; background: #fdf6e3; font: 20px/1.7 Georgia, serif; color: #073642; }}
  .col {{ max-width: 760px; margin: 0 auto; padding: 24px; }}
  h1 {{ color: #b58900; font-size: 40px; }}
  input, button, label {{ font-family: "Comic Sans MS", cursive !important; }}
</style></head>
<body><div class="col">
  <h1>Acme Analytics</h1>
  <p>Talk to our team: tell us a little about your company and we'll find you a time.</p>
  {snippet}
  <p id="after">Prefer e-mail? Write to hello@acme.example.</p>
</div>
<script>
  window.formscoreEvents = [];
  document.addEventListener("formscore:submitted", (e) => window.formscoreEvents.push(e.detail));
  document.addEventListener("load", (e) => {{
    if (e.target.tagName === "IFRAME") window.frameLoaded = true;
  }}, true);
</script>
</body></html>"""


class HostSite:
    """A second local web server: pages[path] is its snippet, the rest of the page is fixed."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?", 1)[0]
                body = HOST_PAGE.format(path=path, snippet=site.pages.get(path, "")).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        for port in HOST_PORTS:
            try:
                self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        else:
            raise RuntimeError(f"no free port in {HOST_PORTS} for the host page")
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"
