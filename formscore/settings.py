"""formscore settings: one module, every value from the environment, with an embedded default.

Without any variable set the product runs on SQLite under ./var with a generated secret key,
which is what `make demo` and `make test` use. The production profile is described in the README.
"""

import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from formscore.env import env_bool, env_choice, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FORMSCORE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The SECRET_KEY variable, or a key generated once and kept under var/ for local use."""
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Not "rest_framework" itself: the API answers JSON only (docs at /api/docs/), and an installed
    # app's template tags load with every page, bringing REST framework (≈ 30 MB) into each web
    # process; the API's views load it on their first request instead (forms_app/urls/api.py).
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served locally (no CDN)
    "axes",
    "django_htmx",
    "django_tasks_db",
    "forms_app",
    "scoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses the pages (HTML shrinks to a third or less), after WhiteNoise, which
    # serves static files compressed ahead of time (CompressedManifestStaticFilesStorage) and
    # leaves images alone. BREACH needs a secret that stays the same across responses beside
    # text the attacker chooses, over many requests: the CSRF token is masked anew in every
    # response, a form token is no secret (anyone gets one with the page), API tokens and webhook
    # secrets are shown in full once only, and Django's GZipMiddleware adds up to 100 random bytes
    # to each response ("Heal the Breach"). /embed.js comes compressed from its own view.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "formscore.request_body.RequestBodyCapMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "formscore.urls"
WSGI_APPLICATION = "formscore.wsgi.application"
ASGI_APPLICATION = "formscore.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "forms_app.context_processors.workspace_access",
            ],
        },
    },
]


def _databases() -> dict:
    url = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'formscore.sqlite3'}"
    try:
        config = dj_database_url.parse(url)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL we understand: {exc}"
        ) from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN, so two
        # concurrent submits queue instead of failing with "database is locked" mid-transaction,
        # and formscore.sqlite waits for that lock in short steps (see there).
        config["ENGINE"] = "formscore.sqlite"
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["CONN_MAX_AGE"] = 60
        config["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # A connection per request costs ~85 % of throughput: keep them open.
        config["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/app/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Hashed, compressed file names need `collectstatic` first: on in production and in `make demo`.
_STATIC_MANIFEST = env_bool("FORMSCORE_STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    # Uploaded CSV files of past leads, until their import finishes (docs/deploy.md). The web
    # process writes them and a task worker reads them: on one machine a folder under var/; when
    # web and workers run on several machines, a folder they all mount, or another storage
    # backend (FORMSCORE_IMPORTS_STORAGE, e.g. django-storages' S3 backend, configured by its
    # own settings).
    "imports": {
        "BACKEND": env_str(
            "FORMSCORE_IMPORTS_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": {"location": env_str("FORMSCORE_IMPORTS_DIR", str(VAR_DIR / "imports"))}
        if not env_str("FORMSCORE_IMPORTS_STORAGE")
        else {},
    },
}
# Serve straight from the app folders when collectstatic has not run (tests, development).
WHITENOISE_USE_FINDERS = not _STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG

# A public submit is a handful of short answers: a request body far larger, of any content type,
# is refused with a 413 (formscore/request_body.py); the CSV import declares its own limit.
FORMSCORE_MAX_REQUEST_BYTES = env_int("FORMSCORE_MAX_REQUEST_BYTES", 2_621_440)
DATA_UPLOAD_MAX_MEMORY_SIZE = FORMSCORE_MAX_REQUEST_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
# The CSV import of past leads takes files up to this size (50 MB by default). A file part larger
# than FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) is streamed to a temporary file, then to the imports
# storage: never whole in memory.
FORMSCORE_IMPORT_MAX_BYTES = env_int("FORMSCORE_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# Leads an import stores per transaction, between two progress updates and cancel checks.
FORMSCORE_IMPORT_BATCH_ROWS = env_int("FORMSCORE_IMPORT_BATCH_ROWS", 1000)


def _mailers() -> dict:
    backend = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    smtp_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
    }
    options = smtp_options if backend.endswith("smtp.EmailBackend") else {}
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


MAILERS = _mailers()
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "formscore <formscore@localhost>")

_TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "dummy": "django.tasks.backends.dummy.DummyBackend",
}
# Queues, each for its own worker (`db_worker --queue-name …`, docs/deploy.md): notifications and
# the periodic tasks on "default", the CSV imports on "imports" and trainings on "training", so a
# long import or training never delays a notification.
TASK_QUEUES = ["default", "imports", "training"]
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[env_choice("FORMSCORE_TASKS", "database", set(_TASK_BACKENDS))],
        "QUEUES": TASK_QUEUES,
    }
}

# --- Abuse: client addresses, shared limits, login lockout (docs/deploy.md) -----------------------
# How many reverse proxies in front of the web processes append to X-Forwarded-For: the client is
# the address the outermost one saw (formscore/proxies.py). 0: the header is ignored, since
# without a proxy every client writes it freely.
FORMSCORE_TRUSTED_PROXIES = env_int("FORMSCORE_TRUSTED_PROXIES", 0)
if FORMSCORE_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(
        f"FORMSCORE_TRUSTED_PROXIES must be 0 or more, not {FORMSCORE_TRUSTED_PROXIES}"
    )


def _caches(url: str) -> dict:
    for retired in ("CACHE_BACKEND", "CACHE_LOCATION"):
        if env_str(retired):
            raise ImproperlyConfigured(
                f"{retired} is no longer read: set FORMSCORE_CACHE_URL=redis://host:6379/0 "
                "(or leave it empty for a cache in each process's memory)."
            )
    prefix = env_str("FORMSCORE_CACHE_KEY_PREFIX")
    if not url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "formscore",
                "KEY_PREFIX": prefix,
            }
        }
    scheme = url.partition("://")[0]
    if scheme not in ("redis", "rediss", "unix"):
        # Not the whole URL: it may carry a password.
        raise ImproperlyConfigured(
            f"FORMSCORE_CACHE_URL must be a redis://, rediss:// or unix:// URL, not {scheme}://…"
        )
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            # A Redis that does not answer costs a request a second, not a hung worker.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


# The default cache counts the submit rate limit, the API throttles and the multi-step form's
# steps once per prospect (formscore/limits.py).
# Empty: each process's own memory, so two web processes allow twice every limit (`make demo`);
# redis://host:6379/0 shares the counts between all of them (docs/deploy.md). The key prefix
# keeps deployments (or test runs) that share one Redis apart.
FORMSCORE_CACHE_URL = env_str("FORMSCORE_CACHE_URL")
CACHES = _caches(FORMSCORE_CACHE_URL)

# Login lockout (django-axes; its failures are rows in the database, so every process sees them):
# after FORMSCORE_LOGIN_FAILURE_LIMIT failed logins of one username from one client address, or
# of any usernames from one address, logging in from there is refused until
# FORMSCORE_LOGIN_COOLOFF_MINUTES after the last failure. Not per username alone: then anyone could
# lock anyone out. An admin unlocks sooner (admin: Axes, Access attempts, delete; or
# `manage.py axes_reset_username NAME`, `axes_reset_ip ADDRESS`).
FORMSCORE_LOGIN_FAILURE_LIMIT = env_int("FORMSCORE_LOGIN_FAILURE_LIMIT", 10)
FORMSCORE_LOGIN_COOLOFF_MINUTES = env_int("FORMSCORE_LOGIN_COOLOFF_MINUTES", 15)
if FORMSCORE_LOGIN_FAILURE_LIMIT < 1 or FORMSCORE_LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured(
        "FORMSCORE_LOGIN_FAILURE_LIMIT and FORMSCORE_LOGIN_COOLOFF_MINUTES must be 1 or more"
    )
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out login is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = FORMSCORE_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=FORMSCORE_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "formscore.proxies.client_ip"  # through the trusted proxies
AXES_LOCKOUT_CALLABLE = "forms_app.views.accounts.login_locked_out"
# Failures are kept (they are the lockout); a row for every successful login would only grow.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged


def _rate(name: str, default: str) -> str:
    value = env_str(name, default)
    if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(
            f"{name} must be like 600/minute (calls per second, minute, hour or day)"
        )
    return value


# Token API calls per user (forms_app/api/throttles.py, counted in the cache above). A what-if
# score stores nothing, but many of them read the model out: it has its own, smaller budget.
FORMSCORE_API_SUBMIT_RATE = _rate("FORMSCORE_API_SUBMIT_RATE", "600/minute")
FORMSCORE_API_SCORE_RATE = _rate("FORMSCORE_API_SCORE_RATE", "300/minute")

# The token API (forms_app/api/token_api.py): token first, so a call without credentials gets a 401
# that names the scheme; a logged-in browser can explore it through its session.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "forms_app.api.negotiation.FirstFormatWhenNoneMatches",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's own reading of X-Forwarded-For agrees with ours (its default would trust all of it).
    "NUM_PROXIES": FORMSCORE_TRUSTED_PROXIES,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The API's OpenAPI 3 description (forms_app/api/schema.py) at /api/schema/, docs at /api/docs/.
SPECTACULAR_SETTINGS = {
    "TITLE": "formscore API",
    "DESCRIPTION": "Submit, score, read and close leads (token API); render and submit a form "
    "from a browser (headless form). Guide: docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# No page may be framed, except the public form pages: they send frame-ancestors with the form's
# allowed sites instead (forms_app/capture/origins.py). Scripts come from our own files only:
# no inline <script> or onsubmit= (tests/test_headers.py), so injected markup cannot run.
SECURE_CSP = {
    "script-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}
SESSION_COOKIE_SECURE = env_bool(
    "SESSION_COOKIE_SECURE", not DEBUG and SITE_URL.startswith("https")
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0

# How long a form token issued with the form stays valid for submitting it.
FORMSCORE_FORM_TOKEN_MAX_AGE = env_int("FORMSCORE_FORM_TOKEN_MAX_AGE", 6 * 3600)
# Spam: a submit sooner than this after the form was shown is refused (people need a few seconds).
FORMSCORE_MIN_FILL_SECONDS = env_int("FORMSCORE_MIN_FILL_SECONDS", 3)
# At most this many submits per client address and form per window (counted in the cache).
FORMSCORE_RATE_LIMIT = env_int("FORMSCORE_RATE_LIMIT", 20)
FORMSCORE_RATE_LIMIT_WINDOW = env_int("FORMSCORE_RATE_LIMIT_WINDOW", 600)

# Cold start: the one minimum of labelled history for a model (scoring.services.history_minimum).
# Below it `train` refuses, the gate activates nothing and the models page shows the progress;
# the points system scores the form meanwhile. 40 of each: the newest 20 % held out for the
# gate then still holds about 8 of each, the least that an ROC AUC means anything on.
FORMSCORE_MIN_CONVERTED = env_int("FORMSCORE_MIN_CONVERTED", 40)
FORMSCORE_MIN_NOT_CONVERTED = env_int("FORMSCORE_MIN_NOT_CONVERTED", 40)
# Fewer than 10 of each leaves the holdout one or two leads of a kind: its ROC AUC means nothing.
if min(FORMSCORE_MIN_CONVERTED, FORMSCORE_MIN_NOT_CONVERTED) < 10:
    raise ImproperlyConfigured(
        "FORMSCORE_MIN_CONVERTED and FORMSCORE_MIN_NOT_CONVERTED must be 10 or more"
    )
for retired in ("FORMSCORE_GATE_MIN_LEADS", "FORMSCORE_GATE_MIN_CONVERSIONS"):
    if env_str(retired):
        raise ImproperlyConfigured(
            f"{retired} is no longer read: the gate, `train` and the models page share one "
            "minimum, FORMSCORE_MIN_CONVERTED and FORMSCORE_MIN_NOT_CONVERTED (default 40 each)."
        )
# The gate: a newly trained version replaces the active scorer (points or ML) only when it beats
# it on the same holdout by this ROC AUC margin.
FORMSCORE_GATE_MARGIN = env_float("FORMSCORE_GATE_MARGIN", 0.005)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# The sales loop: notification outbox delivery and retraining on new outcomes (docs/sales-loop.md).
# Outgoing requests (Slack, webhooks) never go to loopback or private addresses unless this is on,
# for a CRM inside the team's own network (forms_app/sales/outgoing.py). `make demo` and the tests
# turn it on: their receivers listen on 127.0.0.1.
FORMSCORE_OUTGOING_ALLOW_PRIVATE = env_bool("FORMSCORE_OUTGOING_ALLOW_PRIVATE", False)
FORMSCORE_OUTBOX_MAX_ATTEMPTS = env_int("FORMSCORE_OUTBOX_MAX_ATTEMPTS", 6)
FORMSCORE_OUTBOX_BACKOFF_SECONDS = env_float("FORMSCORE_OUTBOX_BACKOFF_SECONDS", 30.0)
FORMSCORE_OUTBOX_TIMEOUT_SECONDS = env_float("FORMSCORE_OUTBOX_TIMEOUT_SECONDS", 10.0)
FORMSCORE_OUTBOX_LEASE_SECONDS = env_float("FORMSCORE_OUTBOX_LEASE_SECONDS", 120.0)
FORMSCORE_RETRAIN_AFTER_OUTCOMES = env_int("FORMSCORE_RETRAIN_AFTER_OUTCOMES", 50)
# Webhook endpoints (docs/webhooks.md). After a secret is rotated the old one keeps signing beside
# the new one this long, so receivers can switch without a failed delivery.
FORMSCORE_WEBHOOK_ROTATION_GRACE_HOURS = env_float("FORMSCORE_WEBHOOK_ROTATION_GRACE_HOURS", 24.0)
# Failed attempts in a row (every retry counts) after which an endpoint is disabled, its rows are
# held and marketers are told; any success starts the count again. With the default retries one
# lead makes six attempts over about fifteen minutes, so 20 is three or four leads that could not be
# delivered at all (or a burst of twenty leads during an outage).
FORMSCORE_WEBHOOK_DISABLE_AFTER_FAILURES = env_int("FORMSCORE_WEBHOOK_DISABLE_AFTER_FAILURES", 20)
