"""Settings shared by every environment, read from environment variables.

A ``.env`` file at the project root is read when present. The embedded default is SQLite under
``var/`` with a broker on local disk; ``DATABASE_URL``, ``REDIS_URL`` and ``CELERY_BROKER_URL``
move the same code to PostgreSQL and Redis.
"""

import tomllib
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Runtime files (the SQLite database, the filesystem broker's folders, beat's schedule). The folders
# are made when the app starts (dkp.core.apps.CoreConfig.ready), so no command needs them made first.
VAR_DIR = Path(env.str("DKP_VAR_DIR", default="") or BASE_DIR / "var")

PLACEHOLDER_SECRET_KEY = "insecure-placeholder-change-me"

SECRET_KEY = env.str("SECRET_KEY", default=PLACEHOLDER_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
DKP_DEMO = env.bool("DKP_DEMO", default=False)

INSTALLED_APPS = [
    "dkp.core.apps.OfficerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.discord",
    "dkp.core",
    "dkp.accounts",
    "dkp.characters",
    "dkp.points",
    "dkp.raids",
    "dkp.loot",
    "dkp.recruitment",
    "dkp.discord",
    "dkp.web",
    "dkp.bot",
    "dkp.demo",
    "dkp.bench",
    "dkp.ops",
    "dkp.switching",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # An API write repeated with the same Idempotency-Key is answered without doing it twice.
    "dkp.core.idempotency.IdempotencyMiddleware",
    "dkp.core.faults.FaultMiddleware",
    "dkp.core.middleware.GuildTimeZoneMiddleware",
    "dkp.core.middleware.GuildErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "dkp.web.context_processors.guild",
            ],
        },
    },
]


# How long a SQLite writer waits for another's write lock before the request is answered 503
# "The database is busy" (dkp.core.faults). Writes take milliseconds, so a few seconds is a long
# queue; waiting longer only holds the person (and a worker) for nothing (docs/operations.md).
SQLITE_BUSY_TIMEOUT_SECONDS = env.float("DKP_SQLITE_BUSY_TIMEOUT", default=5.0)
# The Retry-After of that 503, and how often one kind of database fault is logged at most.
DKP_FAULT_RETRY_AFTER = env.int("DKP_FAULT_RETRY_AFTER", default=5)
DKP_FAULT_LOG_SECONDS = env.float("DKP_FAULT_LOG_SECONDS", default=60.0)


# Django's SQLite backend and EQ DKP's, which is Django's with writers queued (dkp/core/sqlite).
SQLITE_ENGINES = ("django.db.backends.sqlite3", "dkp.core.sqlite")


def _database(url: str) -> dict:
    """One database from a URL; SQLite gets WAL, a busy timeout and IMMEDIATE transactions."""
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] in SQLITE_ENGINES:
        # Django's SQLite backend, with one process's writers queued in turn (dkp/core/sqlite/base.py).
        config["ENGINE"] = "dkp.core.sqlite"
        busy_ms = round(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)
        config["OPTIONS"] = {
            # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
            # instead of failing halfway with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "init_command": (
                f"PRAGMA journal_mode=WAL; PRAGMA busy_timeout={busy_ms}; "
                "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    # Connections are kept between requests (a minute at most): opening one costs a request more
    # than its queries on SQLite too (the connection, its PRAGMAs and Django's SQL functions, about
    # 3 ms), where a whole standings page's rows take 5. runserver starts a thread per request, so
    # there each request still opens its own; gunicorn's threads and the worker keep theirs.
    config.setdefault("CONN_MAX_AGE", 60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


# An empty variable means "not set", as an absent one does.
DATABASES = {"default": _database(env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'dkp.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: a broker on local disk by default, so the embedded setup needs no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Backups (manage.py backup, dkp/ops/backups.py, docs/operations.md): gzip files named by their UTC
# time and engine; after each new one only the newest DKP_BACKUP_KEEP stay. Beat writes one nightly
# unless DKP_BACKUP_NIGHTLY is off (a PostgreSQL host with backups of its own).
DKP_BACKUP_DIR = Path(env.str("DKP_BACKUP_DIR", default="") or VAR_DIR / "backups")
DKP_BACKUP_KEEP = env.int("DKP_BACKUP_KEEP", default=14)
DKP_BACKUP_NIGHTLY = env.bool("DKP_BACKUP_NIGHTLY", default=True)
CELERY_BEAT_SCHEDULE: dict = {
    # Attendance windows slide every day even when nobody raids, so percentages are recomputed nightly.
    "refresh-attendance-nightly": {
        "task": "raids.refresh_attendance",
        "schedule": crontab(hour=9, minute=15),  # 04:15 in US Eastern, after most raids end
    },
    # Auctions close at their time by a task queued when they open; this sweep catches any the
    # worker missed (a restart loses queued countdowns) so nobody waits on a stuck auction.
    "close-due-auctions": {
        "task": "loot.close_due_auctions",
        "schedule": 60.0,
    },
    # Announcements that Discord refused or missed (outage, rate limit) are tried again.
    "deliver-unsent-discord-announcements": {
        "task": "discord.deliver_unsent_outbox",
        "schedule": crontab(minute="*/10"),
    },
    # Decay is due by whole guild days since a pool last decayed (dkp/points/decay.py), so one run a
    # day is enough and a repeated run the same day decays nothing.
    "decay-due-pools-daily": {
        "task": "points.decay_due_pools",
        "schedule": crontab(hour=9, minute=45),  # after the nightly attendance refresh
    },
    # Role changes made in Discord while the bot was offline (no member-update event reached us) and
    # pushes Discord refused or rate limited are caught up by a full pass over the server. Four times
    # a day keeps the drift short while the member listing (one request per 1000 members) stays far
    # from Discord's rate limits.
    "reconcile-discord-roles": {
        "task": "discord.reconcile_roles",
        "schedule": crontab(minute=30, hour="*/6"),
    },
}
if DKP_BACKUP_NIGHTLY:
    # Last night's backup, after most raids end and before the attendance refresh and decay write.
    CELERY_BEAT_SCHEDULE["backup-database-nightly"] = {
        "task": "ops.backup_database",
        "schedule": crontab(hour=8, minute=45),  # 03:45 in US Eastern
    }

DISCORD_CLIENT_ID = env.str("DISCORD_CLIENT_ID", default="")
DISCORD_CLIENT_SECRET = env.str("DISCORD_CLIENT_SECRET", default="")
DISCORD_BOT_TOKEN = env.str("DISCORD_BOT_TOKEN", default="")
DISCORD_GUILD_ID = env.str("DISCORD_GUILD_ID", default="")
DISCORD_ROLE_IDS = env.str("DISCORD_ROLE_IDS", default="")
DISCORD_OAUTH_BASE_URL = env.str("DISCORD_OAUTH_BASE_URL", default="https://discord.com")
DISCORD_API_BASE_URL = env.str("DISCORD_API_BASE_URL", default="https://discord.com/api/v10")
# Where people reach the web app; the bot links to it (sign in, an auction's page, the long form).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The project's version, written once in pyproject.toml (the app is run from its checkout, not installed).
with open(BASE_DIR / "pyproject.toml", "rb") as _pyproject:
    PROJECT_VERSION = str(tomllib.load(_pyproject)["project"]["version"])
# Discord requires ``User-Agent: DiscordBot (<url>, <version>)`` on every REST call and its edge
# answers 403 to a missing or generic one; the URL is the guild's site unless DISCORD_BOT_URL says.
DISCORD_BOT_URL = env.str("DISCORD_BOT_URL", default=SITE_URL)
DISCORD_USER_AGENT = f"DiscordBot ({DISCORD_BOT_URL}, {PROJECT_VERSION})"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Discord is the only way in (besides the demo sign-in); allauth does the OAuth2 dance.
ACCOUNT_ADAPTER = "dkp.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "dkp.accounts.adapters.DiscordSocialAccountAdapter"
SOCIALACCOUNT_ONLY = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_USER_MODEL_EMAIL_FIELD = None
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*"]
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("DISCORD_TIMEOUT_SECONDS", default=5)
SOCIALACCOUNT_PROVIDERS = {
    "discord": {
        "APP": {"client_id": DISCORD_CLIENT_ID, "secret": DISCORD_CLIENT_SECRET, "key": ""},
        "SCOPE": ["identify", "guilds.members.read"],
        "OAUTH_PKCE_ENABLED": True,
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dkp.accounts.api.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "dkp.core.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "dkp.core.fields.GuildFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "EXCEPTION_HANDLER": "dkp.core.api.exception_handler",
    # JSON behind a size and nesting limit; forms and uploads as DRF reads them.
    "DEFAULT_PARSER_CLASSES": [
        "dkp.core.parsers.GuildJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["dkp.core.api.KeyOrUserRateThrottle", "rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="600/min"),
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
    },
    "PAGE_SIZE": 50,
    # How many proxies stand before the app: the client address the throttles count is the one the
    # nearest proxy saw (1 behind one Caddy or nginx). 0: the socket's address, because a client
    # can write any X-Forwarded-For it likes and would otherwise pick a new address per guess.
    # Production sets 1 (deploy/Caddyfile replaces the header with the address it saw).
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}
# Wrong API keys from one client address: this many within the window (seconds) answer 429 with
# Retry-After until the window ends (``dkp.accounts.api.ApiKeyAuthentication``).
API_KEY_FAILURES = env.int("API_KEY_FAILURES", default=10)
API_KEY_FAILURE_WINDOW = env.int("API_KEY_FAILURE_WINDOW", default=15 * 60)

SPECTACULAR_SETTINGS = {
    "TITLE": "EQ DKP API",
    "DESCRIPTION": "Points, raids, loot and recruitment of an EverQuest raid guild.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set that several components share under different field names.
    "ENUM_NAME_OVERRIDES": {
        "EqClassEnum": "dkp.characters.models.EqClass",
        "StatusEnum": "dkp.core.models.RequestStatus",  # claims and missed ticks: pending, approved, denied
        "ApplicationStatusEnum": "dkp.recruitment.models.ApplicationStatus",
        "CommentVisibilityEnum": "dkp.recruitment.models.CommentVisibility",
    },
}

# The API's schema and its docs (/api/schema/, /api/docs/, /api/redoc/): public to anonymous visitors
# (the default, as before) or for signed-in members and API keys only (docs/operations.md).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)

# Security headers every environment sends (production adds HTTPS: config/settings/production.py).
# Links out (the item database, Discord) carry no address of a page here.
SECURE_REFERRER_POLICY = env.str("SECURE_REFERRER_POLICY", default="same-origin")

# Content-Security-Policy (django-csp), in every environment so the tests and the browser tests run
# under it. Every script and stylesheet is a file of our own; no inline <script>, <style>, style="…"
# or on…="…" handler, no eval. The API docs widen style-src and worker-src for Redoc only
# (dkp/web/api_docs.py). Decisions: docs/operations.md, "Security settings".
_discord_oauth_origin = "/".join(DISCORD_OAUTH_BASE_URL.split("/")[:3])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # Signing in posts to allauth, which sends the browser on to Discord's authorize page.
        "form-action": [SELF, _discord_oauth_origin],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
