"""Orderly settings, read from the environment.

DATABASE_URL  database (default: SQLite in the data folder)
SECRET_KEY    signing key (default: generated once and kept in the data folder)
ALLOWED_HOSTS comma-separated host names (default: localhost,127.0.0.1,[::1])
DEBUG         "1"/"true" turns debugging on; off otherwise
ORDERLY_DATA_DIR where the SQLite database, static files and the generated key live (default: see data_dir)
LOG_FORMAT    "text" (default) or "json": one JSON object per log line
ORDERLY_HTTPS, ORDERLY_HSTS_*, ORDERLY_PROXY_HOPS  serving over HTTPS behind a proxy (see the security block below)
ORDERLY_SMTP_*, ORDERLY_EMAIL_FROM  where customer e-mails go (see the e-mail block below)
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def default_data_dir() -> Path:
    """The same folder whichever folder a command runs from: `var/` of the source checkout Orderly runs from (the
    folder holding pyproject.toml above src/orderly), else the user's data folder ($XDG_DATA_HOME/orderly, by
    default ~/.local/share/orderly) for an installed copy."""
    checkout = BASE_DIR.parent.parent
    if BASE_DIR.parent.name == "src" and (checkout / "pyproject.toml").is_file():
        return checkout / "var"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "orderly"


DATA_DIR = Path(os.environ.get("ORDERLY_DATA_DIR") or default_data_dir()).resolve()


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {minimum}, not {raw!r}.")
    return value


def _secret_key() -> str:
    """Use SECRET_KEY when given; otherwise a key generated once per data folder."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = _env_flag("DEBUG")
# Channels may connect to loopback, link-local and private addresses (a shop on the LAN; the tests' shops).
ORDERLY_ALLOW_PRIVATE_NETWORKS = _env_flag("ORDERLY_ALLOW_PRIVATE_NETWORKS")
# A row lock taken against the global order (orderly.core.locks) is logged as an error; the tests raise instead.
ORDERLY_LOCK_ORDER_CHECK = "log"
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "orderly.core",
    "orderly.catalog",
    "orderly.inventory",
    "orderly.orders",
    "orderly.billing",
    "orderly.shipping",
    "orderly.carriers",
    "orderly.plans",
    "orderly.production",
    "orderly.channels",
    "orderly.notifications",
    "orderly.batches",
    "orderly.api",
    "orderly.web",
    "orderly.ops",
]

MIDDLEWARE = [
    "orderly.ops.middleware.RequestMiddleware",  # first: the request id, metrics and access log see every answer
    "orderly.core.headers.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "orderly.api.middleware.ApiMiddleware",  # before anything else reads an API request: rate limits, JSON errors
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "orderly.web.locale.LocaleMiddleware",
]

ROOT_URLCONF = "orderly.urls"
WSGI_APPLICATION = "orderly.wsgi.application"
ASGI_APPLICATION = "orderly.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orderly.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'orderly.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A kept connection the server closed meanwhile (a restart, an idle timeout) is replaced before a request
        # uses it, not failed on.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids
    # lock upgrades that fail under concurrent writers.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:order_list"
LOGOUT_REDIRECT_URL = "web:login"
# A form post may carry this many fields: the order edit form sends about 25 an item row (its parameters folded
# under it), and an order holds up to 500 items. The body's size stays capped by DATA_UPLOAD_MAX_MEMORY_SIZE.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 15_000


LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
# How dates and numbers read for people who chose no locale of their own (web/locale.py lists the choices).
ORDERLY_LOCALE = os.environ.get("ORDERLY_LOCALE", "iso").strip().lower() or "iso"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# A task worker silent this long is taken for dead: the tasks it was running go back to the queue (orderly.ops.reaper)
# after at most ORDERLY_TASK_MAX_RECLAIMS returns, then fail. Workers beat about every sixth of it (at most 30 s).
ORDERLY_WORKER_STALE_SECONDS = _env_int("ORDERLY_WORKER_STALE_SECONDS", 180, minimum=1)
ORDERLY_TASK_MAX_RECLAIMS = _env_int("ORDERLY_TASK_MAX_RECLAIMS", 2)

# --- E-mail ---------------------------------------------------------------------------------------------------------
# Customer e-mails (orderly.notifications). Without ORDERLY_SMTP_HOST nothing leaves the machine: each e-mail is
# written as a file into <data dir>/outbox/ by Django's file backend. With it, they go to that SMTP server.
SMTP_TLS_MODES = ("starttls", "ssl", "off")


def smtp_tls_mode(raw: str | None) -> str:
    """ORDERLY_SMTP_TLS: starttls (the default; also 1/true/yes/on), ssl (TLS from the first byte, port 465) or off
    (also 0/false/no)."""
    value = (raw or "starttls").strip().lower() or "starttls"
    value = {"1": "starttls", "true": "starttls", "yes": "starttls", "on": "starttls"}.get(value, value)
    value = {"0": "off", "false": "off", "no": "off", "none": "off"}.get(value, value)
    if value not in SMTP_TLS_MODES:
        raise ImproperlyConfigured(f"ORDERLY_SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}, not {raw!r}.")
    return value


EMAIL_FILE_PATH = DATA_DIR / "outbox"
EMAIL_HOST = os.environ.get("ORDERLY_SMTP_HOST", "").strip()
DEFAULT_FROM_EMAIL = os.environ.get("ORDERLY_EMAIL_FROM", "").strip() or "Orderly <orders@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 30  # seconds: a silent server fails the attempt, which is retried later
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    _tls = smtp_tls_mode(os.environ.get("ORDERLY_SMTP_TLS"))
    EMAIL_USE_TLS, EMAIL_USE_SSL = _tls == "starttls", _tls == "ssl"
    EMAIL_PORT = _env_int("ORDERLY_SMTP_PORT", 465 if EMAIL_USE_SSL else 587, minimum=1)
    EMAIL_HOST_USER = os.environ.get("ORDERLY_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("ORDERLY_SMTP_PASSWORD", "")
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# --- End of e-mail -------------------------------------------------------------------------------------------

# --- Security -----------------------------------------------------------------------------------------------------
# Passwords, the headers every answer carries, and HTTPS behind a TLS-terminating proxy (README: "Running Orderly on
# the internet"). Login throttling is in orderly.core.throttle; its limits are fixed there.

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent on every answer by orderly.core.headers, over HTTP as over HTTPS. No inline script or style anywhere: the
# pages, htmx, the admin and the API docs load their scripts and styles as files from this server. `data:` images
# are the icons inside Swagger UI's stylesheet.
ORDERLY_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Orderly uses none of these browser features; a page cannot be made to ask for them.
ORDERLY_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

# ORDERLY_HTTPS=1: the site is served over HTTPS by a proxy in front of Orderly that terminates TLS and sets
# `X-Forwarded-Proto: https` (overwriting any value a client sent). Then plain HTTP is redirected, cookies are sent
# over HTTPS only, and browsers are told to use HTTPS only (HSTS).
ORDERLY_HTTPS = _env_flag("ORDERLY_HTTPS")
if ORDERLY_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _env_int("ORDERLY_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("ORDERLY_HSTS_INCLUDE_SUBDOMAINS", True)
    # Opt-in: once a browser vendor lists the domain, taking it off again takes months.
    SECURE_HSTS_PRELOAD = _env_flag("ORDERLY_HSTS_PRELOAD")
# How many proxies in front of Orderly add the address they were called from to X-Forwarded-For: the client's own
# address (what login throttling counts by) is that many entries from the right. 0 takes the connection's address.
ORDERLY_PROXY_HOPS = _env_int("ORDERLY_PROXY_HOPS", 1 if ORDERLY_HTTPS else 0)
# API rate limits (orderly.core.ratelimit), counted in the database so that every web process shares them: requests
# per window for each API token (0: no limit, the default, since counting costs a write per request), and for each
# client address of requests without a valid token (token guessing, webhooks, the docs; generous for a busy shop's
# webhooks). ORDERLY_PROXY_HOPS says which address is the client's.
ORDERLY_API_RATE_WINDOW = _env_int("ORDERLY_API_RATE_WINDOW", 60, minimum=1)
ORDERLY_API_RATE_TOKEN = _env_int("ORDERLY_API_RATE_TOKEN", 0)
ORDERLY_API_RATE_ADDRESS = _env_int("ORDERLY_API_RATE_ADDRESS", 600)
# --- End of security -------------------------------------------------------------------------------------------

LOG_FORMATS = ("text", "json")


def logging_config(log_format: str, level: str) -> dict:
    """Everything logged goes to stderr: as its message (text) or as one JSON object per line (json), each line
    with the request id or task id and the order number it concerns."""
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be {' or '.join(LOG_FORMATS)}, not {log_format!r}.")
    console = {"class": "orderly.core.logs.StderrHandler"}
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"console": console},
        "root": {"handlers": ["console"], "level": level},
    }
    if log_format == "json":
        console["formatter"] = "json"
        config["formatters"] = {"json": {"()": "orderly.core.logs.JsonFormatter"}}
        # Django's own handlers would write plain lines beside the JSON ones: its loggers go through ours instead.
        config["loggers"] = {
            "django": {"handlers": [], "propagate": True},
            "django.server": {"handlers": [], "propagate": True},
        }
    return config


LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
LOGGING = logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))
