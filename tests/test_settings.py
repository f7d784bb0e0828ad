"""Settings come from the environment and fail loudly on values they cannot understand."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "SECRET_KEY": "a-long-production-secret-key-that-is-not-the-default-0123456789abcdef",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "forms.example.com",
    "SITE_URL": "https://forms.example.com",
    "SESSION_COOKIE_SECURE": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "BEHIND_PROXY": "true",
    "FORMSCORE_STATIC_MANIFEST": "true",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.com",
}


# Test-only variables that a deployment would not have.
IGNORED = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in IGNORED}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "FORMSCORE_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_production_profile_passes_the_deploy_check(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false, not 'maybe'"),
        ("EMAIL_PORT", "twenty-five", "EMAIL_PORT must be a whole number"),
        ("FORMSCORE_TASKS", "carrier-pigeon", "FORMSCORE_TASKS must be one of"),
        ("FORMSCORE_TRUSTED_PROXIES", "one", "FORMSCORE_TRUSTED_PROXIES must be a whole number"),
        ("FORMSCORE_TRUSTED_PROXIES", "-1", "FORMSCORE_TRUSTED_PROXIES must be 0 or more"),
        ("FORMSCORE_CACHE_URL", "memcached://127.0.0.1", "FORMSCORE_CACHE_URL must be a redis"),
        (
            "CACHE_BACKEND",
            "x.RedisCache",
            "CACHE_BACKEND is no longer read: set FORMSCORE_CACHE_URL",
        ),
        (
            "FORMSCORE_GATE_MIN_LEADS",
            "200",
            "FORMSCORE_GATE_MIN_LEADS is no longer read: the gate, `train` and the models page"
            " share one minimum, FORMSCORE_MIN_CONVERTED and FORMSCORE_MIN_NOT_CONVERTED",
        ),
        ("FORMSCORE_GATE_MIN_CONVERSIONS", "30", "FORMSCORE_GATE_MIN_CONVERSIONS is no longer"),
        ("FORMSCORE_MIN_CONVERTED", "3", "FORMSCORE_MIN_CONVERTED and FORMSCORE_MIN_NOT_CONVERTED"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, name, value, message):
    result = manage("check", env={name: value}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_embedded_default_generates_and_keeps_a_secret_key(tmp_path):
    assert manage("check", env={}, tmp_path=tmp_path).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) > 40
    manage("check", env={}, tmp_path=tmp_path)
    assert (tmp_path / "secret_key").read_text() == key


def test_a_redis_url_makes_the_shared_cache(tmp_path):
    shown = "from django.conf import settings; print(settings.CACHES['default'])"
    env = {"FORMSCORE_CACHE_URL": "redis://cache:6379/2", "FORMSCORE_CACHE_KEY_PREFIX": "eu"}
    result = manage("shell", "--no-imports", "-c", shown, env=env, tmp_path=tmp_path)
    assert "django.core.cache.backends.redis.RedisCache" in result.stdout, result.stderr
    assert "redis://cache:6379/2" in result.stdout
    assert "'KEY_PREFIX': 'eu'" in result.stdout
