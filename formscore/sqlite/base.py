"""Django's SQLite backend, waiting for the write lock in short steps instead of SQLite's backoff.

Every write transaction starts with BEGIN IMMEDIATE (settings: `transaction_mode`), which takes
SQLite's one write lock or waits for it. SQLite's own wait sleeps 1, 2, 5, 10, 15… ms between
tries, so a submit arriving while another commits slept on after the lock was free, and under
load its worker sat idle: a full submit holds the lock for a few milliseconds, and two web
workers queue behind each other on nearly every one. Here BEGIN is retried every half
millisecond (a failed try costs microseconds) up to the connection's `timeout`; every other
statement keeps SQLite's busy timeout.
"""

import sqlite3
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

RETRY_EVERY_SECONDS = 0.0005
DEFAULT_TIMEOUT_SECONDS = 5.0  # sqlite3.connect()'s default, when OPTIONS has no timeout


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self) -> None:
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", DEFAULT_TIMEOUT_SECONDS))
        begin = f"BEGIN {self.transaction_mode}" if self.transaction_mode else "BEGIN"
        deadline = time.monotonic() + timeout
        self.connection.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    self.cursor().execute(begin)
                    return
                except OperationalError as exc:
                    if not _busy(exc) or time.monotonic() >= deadline:
                        raise
                time.sleep(RETRY_EVERY_SECONDS)
        finally:
            self.connection.execute(f"PRAGMA busy_timeout = {round(timeout * 1000)}")


def _busy(exc: OperationalError) -> bool:
    code = getattr(exc.__cause__, "sqlite_errorcode", None)  # the extended code: BUSY_*
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY
