"""The SQLite backend waits for the write lock in short steps, up to the connection's timeout."""

import sqlite3
import threading

import pytest
from django.db import OperationalError, connection, transaction

from formscore.sqlite.base import RETRY_EVERY_SECONDS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backend's own waiting")


@pytest.fixture
def other_writer(sqlite_only):
    """Another process's connection, which can take the write lock and let it go."""
    other = sqlite3.connect(connection.settings_dict["NAME"], check_same_thread=False)
    yield other
    other.close()


def busy_timeout() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        return cursor.fetchone()[0]


def test_a_transaction_waits_for_the_lock_and_then_writes(other_writer, settings):
    connection.ensure_connection()
    configured = busy_timeout()
    other_writer.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, other_writer.commit).start()

    # BEGIN IMMEDIATE waits for the commit above
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TABLE waited (n INTEGER)")
        cursor.execute("INSERT INTO waited VALUES (1)")

    assert other_writer.execute("SELECT n FROM waited").fetchall() == [(1,)]
    assert busy_timeout() == configured  # other statements keep SQLite's own wait
    assert RETRY_EVERY_SECONDS <= 0.001


def test_past_the_timeout_it_says_the_database_is_locked(other_writer):
    connection.ensure_connection()
    timeout = connection.settings_dict["OPTIONS"]["timeout"]
    connection.settings_dict["OPTIONS"]["timeout"] = 0.2
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"), transaction.atomic():
            pass
    finally:
        other_writer.rollback()
        connection.settings_dict["OPTIONS"]["timeout"] = timeout
    with transaction.atomic(), connection.cursor() as cursor:  # usable afterwards
        cursor.execute("SELECT 1")
