"""The outbox: notification rows written with the lead, delivered by a task, never dropped.

A row moves pending → sending → delivered, or back to pending with exponential backoff after a
failure, and to failed after the last attempt (a person can send it again). A worker claims a row
with a conditional UPDATE: zero rows updated means another worker has it. A worker that dies while
sending leaves the row "sending" with an expired lease; the sweep puts it back to pending.

Delivery is at least once: a receiver that acknowledged a request the worker never saw answered gets
it again, so every request carries the row's delivery id for de-duplication.

Webhook signature: header ``X-Formscore-Signature: t=<unix seconds>,v1=<hex>`` where hex is
HMAC-SHA256(secret, f"{t}.{raw body}"). See docs/sales-loop.md for a verification sample.
"""

import hashlib
import hmac
import json
import logging
import smtplib
import threading
import time
from collections import deque
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connections, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from forms_app.models import LeadEvent, Notification
from forms_app.sales.outgoing import OutgoingFailed, OutgoingRefused, outgoing_post

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Formscore-Signature"
DELIVERY_HEADER = "X-Formscore-Delivery"
EVENT_HEADER = "X-Formscore-Event"


def max_attempts() -> int:
    return settings.FORMSCORE_OUTBOX_MAX_ATTEMPTS


def backoff_seconds(attempts: int) -> float:
    """Wait after the n-th failed attempt: base · 2^(n−1), capped at an hour."""
    base = settings.FORMSCORE_OUTBOX_BACKOFF_SECONDS
    return min(base * 2 ** max(attempts - 1, 0), 3600)


def request_timeout() -> float:
    return settings.FORMSCORE_OUTBOX_TIMEOUT_SECONDS


def lease_seconds() -> float:
    # Longer than any request can take, so a live worker never loses its row to the sweep.
    return max(settings.FORMSCORE_OUTBOX_LEASE_SECONDS, 2 * request_timeout() + 10)


def signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signature_verify(
    *, secret: str, body: bytes, header: str, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: recompute the HMAC and reject stale timestamps (replays)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = signature_header(secret=secret, body=body, timestamp=timestamp)
    return hmac.compare_digest(expected.encode(), header.encode())


class DeliveryError(Exception):
    pass


def _post_json(row: Notification) -> None:
    body = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "formscore",
        DELIVERY_HEADER: str(row.delivery_id),
    }
    if row.channel == Notification.Channel.WEBHOOK:
        headers[EVENT_HEADER] = str(row.payload.get("event", ""))
        headers[SIGNATURE_HEADER] = signature_header(
            secret=row.signing_secret, body=body, timestamp=int(time.time())
        )
    try:
        outgoing_post(row.destination, body=body, headers=headers, timeout=request_timeout())
    except (OutgoingRefused, OutgoingFailed) as exc:
        raise DeliveryError(str(exc)) from exc


def _mail_error_in_words(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "e-mail not sent: the mail server refused the recipients"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"e-mail not sent: the mail server answered {exc.smtp_code}"
    if isinstance(exc, TimeoutError):
        return "e-mail not sent: the mail server timed out"
    if isinstance(exc, OSError):
        return "e-mail not sent: could not reach the mail server"
    return "e-mail not sent: the mail server failed"


def _send(row: Notification) -> None:
    if row.channel == Notification.Channel.EMAIL:
        try:
            send_mail(
                row.payload["subject"],
                row.payload["body"],
                None,
                row.destination.split(","),
                fail_silently=False,
            )
        except Exception as exc:  # any mail backend error is a failed attempt, retried later
            raise DeliveryError(_mail_error_in_words(exc)) from exc
        return
    _post_json(row)


def notification_deliver(*, notification_id: int) -> str:
    """One delivery attempt of one row; returns the row's status afterwards (or "skipped")."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id,
        status=Notification.Status.PENDING,
        next_attempt_at__lte=now,
    ).update(
        status=Notification.Status.SENDING,
        attempts=F("attempts") + 1,
        lease_expires_at=now + timedelta(seconds=lease_seconds()),
    )
    if not claimed:
        return "skipped"  # delivered, failed, not due yet, or another worker is sending it
    row = Notification.objects.select_related("lead").get(pk=notification_id)
    try:
        _send(row)
    except DeliveryError as exc:
        return _record_failure(row, str(exc))
    Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.DELIVERED,
        delivered_at=timezone.now(),
        lease_expires_at=None,
        last_error="",
    )
    LeadEvent.objects.create(
        lead=row.lead,
        kind=LeadEvent.Kind.NOTIFIED,
        message=f"Notified via {row.get_channel_display()}",
    )
    return Notification.Status.DELIVERED


def _record_failure(row: Notification, error: str) -> str:
    logger.warning("Notification %s attempt %s failed: %s", row.pk, row.attempts, error)
    if row.attempts >= max_attempts():
        Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.FAILED, lease_expires_at=None, last_error=error[:2000]
        )
        LeadEvent.objects.create(
            lead=row.lead,
            kind=LeadEvent.Kind.NOTIFICATION_FAILED,
            message=f"{row.get_channel_display()} notification failed after "
            f"{row.attempts} attempts: {error[:300]}",
        )
        return Notification.Status.FAILED
    retry_at = timezone.now() + timedelta(seconds=backoff_seconds(row.attempts))
    Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.PENDING,
        next_attempt_at=retry_at,
        lease_expires_at=None,
        last_error=error[:2000],
    )
    notifications_enqueue(ids=[row.pk], run_after=retry_at)
    return Notification.Status.PENDING


def notifications_enqueue(*, ids: list[int], run_after=None) -> None:
    """Hand rows to the task backend. A lost enqueue is harmless: the sweep finds the row."""
    task = deliver_notification.using(run_after=run_after) if run_after else deliver_notification
    for notification_id in ids:
        try:
            task.enqueue(notification_id)
        except Exception:
            logger.exception("Could not enqueue notification %s; the sweep will", notification_id)


def outbox_sweep(*, now=None, stale_after: timedelta = timedelta(minutes=2)) -> int:
    """Take back rows whose worker died mid-delivery and re-enqueue rows nobody is working on.

    Rows "sending" past their lease go back to pending; pending rows due for longer than
    stale_after (their task was lost, e.g. the backend was down at commit) are enqueued again.
    Re-enqueueing a row twice is harmless: only one claim can succeed.
    """
    now = now or timezone.now()
    expired = list(
        Notification.objects.filter(
            status=Notification.Status.SENDING, lease_expires_at__lt=now
        ).values_list("pk", flat=True)
    )
    taken_back = Notification.objects.filter(
        pk__in=expired, status=Notification.Status.SENDING, lease_expires_at__lt=now
    ).update(status=Notification.Status.PENDING, next_attempt_at=now, lease_expires_at=None)
    stale = list(
        Notification.objects.filter(
            status=Notification.Status.PENDING, next_attempt_at__lte=now - stale_after
        ).values_list("pk", flat=True)
    )
    ids = list(dict.fromkeys(expired + stale))
    if ids:
        notifications_enqueue(ids=ids)
    return taken_back + len(stale)


def notification_resend(*, notification: Notification, actor) -> Notification:
    """Send a failed notification again: a fresh set of attempts, delivered by the worker."""
    updated = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.FAILED
    ).update(
        status=Notification.Status.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        last_error="",
    )
    if updated:
        transaction.on_commit(lambda: notifications_enqueue(ids=[notification.pk]))
    notification.refresh_from_db()
    return notification


# --- delivery that one slow endpoint cannot stall -------------------------------------------


class _Dispatcher:
    """Delivers on a few threads, each working through one destination's rows at a time.

    The task worker runs one task at a time; were deliveries made in its loop, an endpoint that
    answers after 8 s would hold every other endpoint's rows behind it. Here a slow or hanging
    destination holds one thread while the rows of other destinations go on. A worker killed
    mid-delivery leaves its rows "sending" with a lease, and the sweep takes them back.
    """

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._waiting: dict[str, deque[int]] = {}  # per destination, while a thread drains it
        self._running: set[Future] = set()

    def submit(self, destination: str, notification_id: int) -> None:
        with self._lock:
            if destination in self._waiting:
                self._waiting[destination].append(notification_id)
                return
            self._waiting[destination] = deque([notification_id])
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="outbox")
            future = self._pool.submit(self._drain, destination)
            self._running.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future) -> None:
        with self._lock:
            self._running.discard(future)

    def _drain(self, destination: str) -> None:
        try:
            while True:
                with self._lock:
                    queue = self._waiting[destination]
                    if not queue:
                        del self._waiting[destination]
                        return
                    notification_id = queue.popleft()
                try:
                    notification_deliver(notification_id=notification_id)
                except Exception:  # the row stays claimed until its lease ends; the sweep retries
                    logger.exception("Delivering notification %s failed", notification_id)
        finally:
            connections.close_all()  # this thread's own connections

    def wait(self, timeout: float) -> bool:
        """Wait for the deliveries under way (and those queued behind them); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                running = set(self._running)
            if not running:
                return True
            futures.wait(running, timeout=max(deadline - time.monotonic(), 0))
        return False


_dispatcher = _Dispatcher(threads=8)


def outbox_deliveries_wait(timeout: float = 30) -> bool:
    """Wait for the deliveries this process has under way (a worker stopping, or a test)."""
    return _dispatcher.wait(timeout)


@task
def deliver_notification(notification_id: int) -> str:
    if transaction.get_connection().in_atomic_block:
        # Another connection could not see an uncommitted row yet: deliver here and now.
        return notification_deliver(notification_id=notification_id)
    destination = (
        Notification.objects.filter(pk=notification_id)
        .values_list("destination", flat=True)
        .first()
    )
    if destination is None:
        return "skipped"
    _dispatcher.submit(destination, notification_id)
    return "dispatched"
