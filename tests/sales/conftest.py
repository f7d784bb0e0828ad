"""Personas, a team, and a real local HTTP server that receives Slack and webhook posts."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group, User

from forms_app.models import RepProfile, RoutingRule, Team

PASSWORD = "pw-for-tests-123"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 takes about a second per persona; the tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(username: str, full_name: str, group: str, *, booking: str = "") -> User:
    first, _, last = full_name.partition(" ")
    user = User.objects.create_user(
        username,
        email=f"{username}@example.com",
        password=PASSWORD,
        first_name=first,
        last_name=last,
    )
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    if group == "sales":
        RepProfile.objects.create(
            user=user,
            display_name=full_name,
            booking_url=booking or f"https://cal.example/{username}",
        )
    return user


@pytest.fixture
def marketer(db) -> User:
    return _user("morgan", "Morgan Marketer", "marketer")


@pytest.fixture
def sam(db) -> User:
    return _user("sam", "Sam Seller", "sales")


@pytest.fixture
def riley(db) -> User:
    return _user("riley", "Riley Rep", "sales")


@pytest.fixture
def alex(db) -> User:
    return _user("alex", "Alex Closer", "sales")


@pytest.fixture
def team(sam, riley, alex) -> Team:
    team = Team.objects.create(name="Closers")
    team.members.set([sam, riley, alex])
    return team


@pytest.fixture
def contact_form(make_form):
    return make_form(
        ("Your name", "short_text", {"key": "full_name", "required": True}),
        ("Company", "short_text", {"key": "company"}),
        ("Work e-mail", "email", {"key": "work_email"}),
        (
            "Team size",
            "number",
            {"key": "team_size"},
        ),
        (
            "When do you want to start?",
            "single_choice",
            {
                "key": "timeline",
                "choices": [
                    {"value": "within_1_month", "label": "Within 1 month"},
                    {"value": "later", "label": "Later"},
                ],
            },
        ),
    )


@pytest.fixture
def round_robin_rule(contact_form, team) -> RoutingRule:
    return RoutingRule.objects.create(
        form=contact_form,
        name="Everyone to the closers",
        position=1,
        team=team,
        action=RoutingRule.Action.ROUND_ROBIN,
    )


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    arrived_at: float = field(default_factory=time.time)

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """Paths: /ok → 200, /fail → 500, /flaky → 500 while flaky_failing, /redirect → 302 to /ok,
    /slow → answers after 3 s, /very-slow → after 8 s, /hang-first → the first request waits
    until `release` is set and is never acknowledged, later ones → 200."""

    url: str
    received: list[Received] = field(default_factory=list)
    acknowledged: list[Received] = field(default_factory=list)
    first_arrived: threading.Event = field(default_factory=threading.Event)
    flaky_failing: bool = True
    release: threading.Event = field(default_factory=threading.Event)

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)


@pytest.fixture
def receiver():
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            item = Received(self.path, dict(self.headers.items()), body)
            with lock:
                state.received.append(item)
                first = len(state.received) == 1
            if self.path == "/fail" or (self.path == "/flaky" and state.flaky_failing):
                self.send_response(500)
                self.end_headers()
                return
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/ok")
                self.end_headers()
                return
            if self.path == "/slow":
                time.sleep(3)
            if self.path == "/very-slow":
                time.sleep(8)
            if self.path == "/hang-first" and first:
                state.first_arrived.set()
                state.release.wait(30)
                return  # the connection closes without an answer: never acknowledged
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")
            with lock:
                state.acknowledged.append(item)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def fast_retries(settings):
    settings.FORMSCORE_OUTBOX_BACKOFF_SECONDS = 0
    settings.FORMSCORE_OUTBOX_MAX_ATTEMPTS = 3
    settings.FORMSCORE_OUTBOX_TIMEOUT_SECONDS = 1
    return settings
