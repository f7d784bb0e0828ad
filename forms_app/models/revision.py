import secrets

from django.db import connection, models


class SettingsRevision(models.Model):
    """One row whose value changes with every write to what a submit reads.

    Forms, questions, points and routing rules, teams, reps, webhook endpoints and model
    versions: web processes cache those per form (`forms_app.capture.form_runtime`) and notice a
    change with one cheap query. The value is random, not a counter: a write rolled back (a test,
    a failed request on the same connection) must never leave a value that a later, different
    write takes again, or a cache built inside the rolled-back transaction would be served.
    """

    value = models.BigIntegerField(default=0)

    ROW = 1

    def __str__(self) -> str:
        return f"Settings revision {self.value}"

    @classmethod
    def bump(cls) -> None:
        value = secrets.randbits(62)
        if not cls.objects.filter(pk=cls.ROW).update(value=value):
            cls.objects.update_or_create(pk=cls.ROW, defaults={"value": value})

    @classmethod
    def current(cls) -> int:
        # Once per submit: plain SQL costs a tenth of what compiling the ORM query would.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {cls._meta.db_table} WHERE id = %s", [cls.ROW])
            row = cursor.fetchone()
        return row[0] if row else 0
