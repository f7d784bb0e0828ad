"""The outbox: notification rows written with the lead, delivered by a task, never dropped.

A row moves pending → sending → delivered, or back to pending with exponential backoff after a
failure, and to failed after the last attempt (a person can send it again). A worker claims a row
with a conditional UPDATE: zero rows updated means another worker has it. A worker that dies while
sending leaves the row "sending" with an expired lease; the sweep puts it back to pending.

Delivery is at least once: a receiver that acknowledged a request the worker never saw answered gets
it again, so every request carries the row's delivery id for de-duplication.

Webhook rows go to their endpoint (forms_app.models.WebhookEndpoint), signed the Standard Webhooks
way with its secret(s) at each attempt (forms_app/sales/signatures.py; docs/webhooks.md). Every
failed attempt counts against the endpoint; at FORMSCORE_WEBHOOK_DISABLE_AFTER_FAILURES in a row it
is disabled and the marketers are told once, by an e-mail row of this same outbox. A row whose
endpoint is disabled is not attempted: it waits as "held" until the endpoint is enabled
(forms_app/sales/endpoints.py releases it).
"""

import json
import logging
import re
import smtplib
import threading
import time
from collections import deque
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connections, router, transaction
from django.db.models import F
from django.tasks import TaskResultStatus, task, task_backends
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from forms_app.models import LeadEvent, Notification, WebhookEndpoint
from forms_app.sales.outgoing import (
    OutgoingFailed,
    OutgoingRefused,
    OutgoingResponse,
    outgoing_post,
)
from forms_app.sales.reps import marketer_emails
from forms_app.sales.signatures import legacy_signature_header, message_id, signed_headers

logger = logging.getLogger(__name__)

# Sent beside the Standard Webhooks headers for one more release (docs/webhooks.md, "Deprecated").
SIGNATURE_HEADER = "X-Formscore-Signature"
DELIVERY_HEADER = "X-Formscore-Delivery"
EVENT_HEADER = "X-Formscore-Event"
WAITING = (Notification.Status.PENDING, Notification.Status.SENDING, Notification.Status.HELD)


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


def disable_after_failures() -> int:
    return settings.FORMSCORE_WEBHOOK_DISABLE_AFTER_FAILURES


def endpoint_signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The current secret, and the one it replaced while the rotation's grace period runs."""
    signing = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        signing.append(endpoint.previous_secret)
    return signing


class DeliveryError(Exception):
    """A failed attempt, in words; with the answer's status and time when there was an answer."""

    def __init__(self, message: str, *, status: int | None = None, seconds: float | None = None):
        super().__init__(message)
        self.status, self.seconds = status, seconds


def _answer_status(error: str) -> int | None:
    """The HTTP status outgoing_post names in its words ("HTTP 503", "…: HTTP 302"), if any."""
    found = re.search(r"HTTP (\d{3})$", error)
    return int(found.group(1)) if found else None


def _webhook_headers(row: Notification, body: bytes) -> dict[str, str]:
    endpoint = row.endpoint
    timestamp = int(time.time())
    return {
        **signed_headers(
            signing_secrets=endpoint_signing_secrets(endpoint, now=timezone.now()),
            msg_id=message_id(row.delivery_id),
            timestamp=timestamp,
            body=body,
        ),
        EVENT_HEADER: str(row.payload.get("type", "")),
        SIGNATURE_HEADER: legacy_signature_header(
            secret=endpoint.secret, body=body, timestamp=timestamp
        ),
    }


def _post_json(row: Notification) -> OutgoingResponse:
    body = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "formscore",
        DELIVERY_HEADER: str(row.delivery_id),
    }
    url = row.destination
    if row.channel == Notification.Channel.WEBHOOK:
        if row.endpoint is None:
            raise DeliveryError("no webhook endpoint to send to")
        url = row.endpoint.url  # its URL now: an edited endpoint applies to rows still waiting
        headers.update(_webhook_headers(row, body))
    started = time.monotonic()
    try:
        return outgoing_post(url, body=body, headers=headers, timeout=request_timeout())
    except OutgoingRefused as exc:
        raise DeliveryError(str(exc)) from exc
    except OutgoingFailed as exc:
        seconds = time.monotonic() - started
        raise DeliveryError(str(exc), status=_answer_status(str(exc)), seconds=seconds) from exc


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


def _send(row: Notification) -> OutgoingResponse | None:
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
        return None
    return _post_json(row)


def _milliseconds(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


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
        return "skipped"  # delivered, failed, held, not due yet, or another worker is sending it
    row = Notification.objects.select_related("lead", "endpoint").get(pk=notification_id)
    # Only the requests to a disabled endpoint wait; the e-mail saying it was disabled must not.
    to_disabled_endpoint = (
        row.channel == Notification.Channel.WEBHOOK
        and row.endpoint is not None
        and row.endpoint.state == WebhookEndpoint.State.DISABLED
    )
    if to_disabled_endpoint and _hold(row):
        return Notification.Status.HELD
    try:
        response = _send(row)
    except DeliveryError as exc:
        return _record_failure(row, exc, attempted_at=now)
    _record_success(row, response, attempted_at=now)
    return Notification.Status.DELIVERED


def _hold(row: Notification) -> bool:
    """Put a claimed row aside while its endpoint is disabled; False if it was enabled meanwhile."""
    with transaction.atomic():
        # Race: "Enable" releases the endpoint's held rows under this lock; without it a row held
        # on a stale read of the state could stay held on an endpoint enabled meanwhile.
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=row.endpoint_id)
        if endpoint.state != WebhookEndpoint.State.DISABLED:
            return False
        Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.HELD,
            attempts=F("attempts") - 1,  # not attempted
            lease_expires_at=None,
        )
    return True


def _record_success(
    row: Notification, response: OutgoingResponse | None, *, attempted_at: datetime
) -> None:
    now = timezone.now()
    Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.DELIVERED,
        delivered_at=now,
        last_attempt_at=attempted_at,
        lease_expires_at=None,
        last_error="",
        response_status=response.status if response else None,
        response_ms=_milliseconds(response.seconds) if response else None,
    )
    if row.channel == Notification.Channel.WEBHOOK and row.endpoint_id:
        WebhookEndpoint.objects.filter(pk=row.endpoint_id).update(
            consecutive_failures=0, last_success_at=now
        )
    if row.lead_id:
        LeadEvent.objects.create(
            lead=row.lead,
            kind=LeadEvent.Kind.NOTIFIED,
            message=f"Notified via {row.get_channel_display()}",
        )


def _record_failure(row: Notification, exc: DeliveryError, *, attempted_at: datetime) -> str:
    error = str(exc)
    logger.warning("Notification %s attempt %s failed: %s", row.pk, row.attempts, error)
    answer = {
        "last_attempt_at": attempted_at,
        "response_status": exc.status,
        "response_ms": _milliseconds(exc.seconds),
    }
    if row.channel == Notification.Channel.WEBHOOK and row.endpoint_id:
        _endpoint_attempt_failed(endpoint_id=row.endpoint_id, error=error)
    if row.attempts >= max_attempts():
        Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.FAILED,
            lease_expires_at=None,
            last_error=error[:2000],
            **answer,
        )
        if row.lead_id:
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
        **answer,
    )
    notifications_enqueue(ids=[row.pk], run_after=retry_at)
    return Notification.Status.PENDING


def _endpoint_attempt_failed(*, endpoint_id: int, error: str) -> None:
    """Count a failed attempt against the endpoint; disable it at the threshold, telling once."""
    now = timezone.now()
    threshold = disable_after_failures()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(
            consecutive_failures=F("consecutive_failures") + 1, last_failure_at=now
        )
        # Race: workers failing together all see the count pass the threshold; only one UPDATE
        # can move the endpoint from active to disabled, and only that worker tells the marketers.
        disabled = WebhookEndpoint.objects.filter(
            pk=endpoint_id,
            state=WebhookEndpoint.State.ACTIVE,
            consecutive_failures__gte=threshold,
        ).update(
            state=WebhookEndpoint.State.DISABLED,
            disabled_at=now,
            disabled_reason=f"{threshold} failed attempts in a row; the last: {error}"[:300],
        )
        if disabled:
            _marketers_told_of_disabling(WebhookEndpoint.objects.get(pk=endpoint_id))


def _marketers_told_of_disabling(endpoint: WebhookEndpoint) -> None:
    recipients = marketer_emails()
    if not recipients:
        logger.warning(
            "Webhook endpoint %s was disabled and there is no marketer to tell", endpoint
        )
        return
    waiting = Notification.objects.filter(
        endpoint=endpoint, channel=Notification.Channel.WEBHOOK, status__in=WAITING
    ).count()
    body = (
        f"formscore stopped sending webhooks to “{endpoint.name}” ({endpoint.url}): "
        f"{endpoint.disabled_reason}.\n\n"
        f"{waiting} notification(s) wait for it and more will, as leads arrive; none is lost.\n"
        f"Fix the receiver, then enable the endpoint: its deliveries are sent then.\n\n"
        f"Delivery log and Enable: {settings.SITE_URL}/app/webhooks/{endpoint.pk}/\n"
    )
    row = Notification.objects.create(
        channel=Notification.Channel.EMAIL,
        endpoint=endpoint,
        destination=",".join(recipients),
        payload={"subject": f"Webhook endpoint “{endpoint.name}” was disabled"[:150], "body": body},
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: notifications_enqueue(ids=[row.pk]))


def notifications_enqueue_with_rows(*, ids: list[int]) -> None:
    """Enqueue the delivery of rows the caller's transaction writes, so that it commits with them.

    When the task backend keeps its tasks in this database, every submit's rows are delivered by
    one waiting `deliver_due_notifications` task: a submit adds a task only when none is waiting
    (a task row per lead cost a tenth of a submit). That task, and the rows, commit with the
    caller's transaction. Any other backend could run a task before the rows commit: it is
    handed them on commit.
    """
    if not _tasks_in_this_database():
        transaction.on_commit(lambda: notifications_enqueue(ids=ids))
        return
    if _due_delivery_waiting():
        return
    with transaction.atomic():  # a failed enqueue must not break the caller's transaction
        try:
            deliver_due_notifications.enqueue()
        except Exception:
            logger.exception("Could not enqueue the delivery of %s; the sweep will", ids)


def _due_delivery_waiting() -> bool:
    """Whether a `deliver_due_notifications` task waits for a worker (one indexed query).

    Race: a worker taking that task between this check and the caller's commit would look for
    due rows before these commit, and miss them. On SQLite it cannot: the caller's transaction
    holds the write lock, which the worker's claim needs. On PostgreSQL the check takes a share
    lock on the waiting task, which the worker's claim (FOR UPDATE SKIP LOCKED) skips until the
    caller commits; a task being claimed already is skipped here, and the caller enqueues anew.
    """
    connection = transaction.get_connection(router.db_for_write(DBTaskResult))
    lock = " FOR SHARE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {connection.ops.quote_name(DBTaskResult._meta.db_table)} "
            # The status as a literal: only then may the database use the backend's index of
            # waiting tasks (partial, WHERE status = 'READY') instead of reading every result.
            f"WHERE status = '{TaskResultStatus.READY}' AND task_path = %s "
            f"AND backend_name = %s AND queue_name = %s LIMIT 1{lock}",
            [
                deliver_due_notifications.module_path,
                deliver_due_notifications.backend,
                deliver_due_notifications.queue_name,
            ],
        )
        return cursor.fetchone() is not None


def _tasks_in_this_database() -> bool:
    backend = task_backends[deliver_notifications.backend]
    return isinstance(backend, DatabaseBackend) and router.db_for_write(
        DBTaskResult
    ) == router.db_for_write(Notification)


def notifications_enqueue(*, ids: list[int], run_after=None) -> None:
    """Hand rows to the task backend, in one task. A lost enqueue is harmless: the sweep finds
    the rows."""
    task = deliver_notifications.using(run_after=run_after) if run_after else deliver_notifications
    ids = list(ids)
    for start in range(0, len(ids), ENQUEUE_BATCH):
        batch = ids[start : start + ENQUEUE_BATCH]
        try:
            task.enqueue(batch)
        except Exception:
            logger.exception("Could not enqueue notifications %s; the sweep will", batch)


ENQUEUE_BATCH = 500  # rows per task when many wait at once (an endpoint enabled, a sweep)


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
        response_status=None,
        response_ms=None,
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
def deliver_notifications(notification_ids: list[int]) -> list[str]:
    """Deliver these outbox rows (a retry, a resend, a sweep, an endpoint enabled)."""
    if transaction.get_connection().in_atomic_block:
        # Another connection could not see an uncommitted row yet: deliver here and now.
        return [notification_deliver(notification_id=pk) for pk in notification_ids]
    rows = Notification.objects.filter(pk__in=notification_ids).values(
        "pk", "destination", "endpoint_id"
    )
    outcomes = dict.fromkeys(notification_ids, "skipped")
    for row in rows:
        _dispatch(row)
        outcomes[row["pk"]] = "dispatched"
    return list(outcomes.values())


@task
def deliver_due_notifications() -> int:
    """Deliver every pending row that is due: the one task that submits share (see
    `notifications_enqueue_with_rows`). Returns how many rows it handed to the dispatcher."""
    dispatched, after = 0, 0
    while True:
        rows = list(
            Notification.objects.filter(
                status=Notification.Status.PENDING,
                next_attempt_at__lte=timezone.now(),
                pk__gt=after,
            )
            .order_by("pk")
            .values("pk", "destination", "endpoint_id")[:ENQUEUE_BATCH]
        )
        for row in rows:
            _dispatch(row)
        dispatched += len(rows)
        if len(rows) < ENQUEUE_BATCH:
            return dispatched
        after = rows[-1]["pk"]


def _dispatch(row: dict) -> None:
    # One line per webhook endpoint (its URL may change), else per destination URL or mailbox.
    destination = f"endpoint {row['endpoint_id']}" if row["endpoint_id"] else row["destination"]
    _dispatcher.submit(destination, row["pk"])
