"""Web processes checkpoint SQLite's log from a thread, not inside a submit's commit."""

import sqlite3

import pytest
from django.db import connection, connections
from django.db.backends.signals import connection_created

from formscore.sqlite_wal import (
    SAFETY_NET_PAGES,
    wal_checkpoint_loop,
    wal_checkpoints_in_background,
)


def test_the_loop_copies_the_log_into_the_database_file(tmp_path):
    path = tmp_path / "wal.sqlite3"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # as if no commit ever checkpointed
    writer.execute("CREATE TABLE answers (text TEXT)")
    with writer:
        writer.executemany("INSERT INTO answers VALUES (?)", [("x" * 500,)] * 2000)
    before = path.stat().st_size
    assert (tmp_path / "wal.sqlite3-wal").stat().st_size > 1_000_000

    wal_checkpoint_loop(str(path), 0.01, rounds=1)

    assert path.stat().st_size > before + 1_000_000  # the pages are in the database file now
    assert writer.execute("SELECT COUNT(*) FROM answers").fetchone() == (2000,)


@pytest.mark.django_db
def test_a_web_process_connection_leaves_checkpoints_to_the_thread():
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    wal_checkpoints_in_background()
    fresh = connections.create_connection("default")
    try:
        with fresh.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone() == (SAFETY_NET_PAGES,)
    finally:
        fresh.close()
        connection_created.disconnect(dispatch_uid="formscore.sqlite_wal")
