"""SQLite's write-ahead log checkpointed by a thread of each web process, off the request path.

SQLite copies its write-ahead log back into the database file (a checkpoint, with an fsync) inside
whichever commit crosses `wal_autocheckpoint` pages, 1,000 by default: under load about one
submit in sixty waited 20 ms for it, which was most of the submit path's p99 (in one process a
full submit's p99 fell from 31 to 17 ms with the thread below). Web processes raise that
threshold to a safety net, reached only if the thread stops, and checkpoint every second from a
thread instead: a PASSIVE checkpoint takes no lock that a writer waits for.

Other processes (commands, the task worker, tests) keep SQLite's default.
"""

import logging
import os
import sqlite3
import threading
import time

from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

CHECKPOINT_EVERY_SECONDS = 1.0
# Pages (4 KiB each) a commit may leave in the log before it checkpoints by itself after all.
SAFETY_NET_PAGES = 10_000

_thread_pid: int | None = None


def wal_checkpoints_in_background() -> None:
    """Checkpoint SQLite's log from a thread in this process (and in processes forked from it)."""
    connection_created.connect(_connection_created, dispatch_uid="formscore.sqlite_wal")


def _connection_created(sender, connection, **kwargs) -> None:
    global _thread_pid
    if connection.vendor != "sqlite":
        return
    path = connection.settings_dict["NAME"]
    if not path or str(path) == ":memory:" or "mode=memory" in str(path):
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA wal_autocheckpoint = {SAFETY_NET_PAGES}")
    if _thread_pid != os.getpid():  # once per process: a forked worker starts its own
        _thread_pid = os.getpid()
        threading.Thread(
            target=wal_checkpoint_loop,
            args=(str(path), CHECKPOINT_EVERY_SECONDS),
            name="sqlite-wal-checkpoint",
            daemon=True,
        ).start()


def wal_checkpoint_loop(path: str, every: float, *, rounds: int | None = None) -> None:
    """Run a PASSIVE checkpoint of the database at `path` every `every` seconds (forever, or
    `rounds` times). A checkpoint another process is running already is skipped, not waited for."""
    database = sqlite3.connect(path, timeout=0, check_same_thread=False)
    done = 0
    while rounds is None or done < rounds:
        time.sleep(every)
        done += 1
        try:
            database.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # busy, or the file went away: try again next round
            logger.debug("WAL checkpoint of %s skipped: %s", path, exc)
    database.close()
