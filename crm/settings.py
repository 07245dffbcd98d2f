"""One settings module, driven by the environment.

With no configuration at all it runs the embedded default used by `make run`: SQLite in the
project folder, Celery tasks executed inline, e-mail printed to the console. Production sets
DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

from datetime import timedelta
from pathlib import Path

import csp.constants as csp
import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET = "dev-only-insecure-key-change-me-in-production-0123456789abcdefghijklmnop"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The bench server uses production settings over plain HTTP on 127.0.0.1.
BENCH = env.bool("CRM_BENCH", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "crm.common",
    "crm.users",
    "crm.customers",
    "crm.catalog",
    "crm.activities",
    "crm.assistant",
    "crm.insights",
    "crm.cardscan",
    "crm.mail",
    "crm.automation",
    "crm.notifications",
    "crm.listviews",
    "crm.scoring",
    "leads",
    "opportunities",
    "quotes",
    "invoices",
    "forecasting",
]
if BENCH:
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware with the user row from the cache (no query per request)
    "crm.users.middleware.CachedUserAuthenticationMiddleware",
    # The signed-in user's language and time zone (profile page) win over the browser's.
    "crm.users.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "crm.common.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a login refused by the lockout into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
FORM_RENDERER = "crm.common.renderers.FastSelectRenderer"  # TemplatesSetting, lean <select>
WSGI_APPLICATION = "crm.wsgi.application"

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
                "crm.common.context_processors.navigation",
                "crm.assistant.context_processors.assistant",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if not IS_POSTGRES:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# A read replica (optional): dashboards, the forecast, exports and the assistant's full scan
# read from it (crm/common/db_router.py); writes and read-your-writes pages use the primary.
if env.str("DATABASE_REPLICA_URL", default="") and IS_POSTGRES:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["crm.common.db_router.ReplicaRouter"]
# A replica found down is retried after this many seconds (reads use the primary meanwhile).
CRM_REPLICA_RETRY_SECONDS = env.int("CRM_REPLICA_RETRY_SECONDS", default=10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out user before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# The languages the product ships (locale/<code>/LC_MESSAGES, `make messages`); a user picks
# one on the profile page, else the browser's Accept-Language decides (LocaleMiddleware).
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Dates people read: the project's formats per language (crm/formats, crm.common.formatting).
FORMAT_MODULE_PATH = ["crm.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# With DEBUG off: hashed file names (cached for ever) and gzip/brotli copies; `make run` sets
# STATIC_COMPRESS=false, which skips the slow compression a local server does not need.
_STATIC_STORAGE = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if env.bool("STATIC_COMPRESS", default=True)
    else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else _STATIC_STORAGE
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- Cache and Celery -------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails open: with Redis down the site serves as if the cache were empty.
            "BACKEND": "crm.common.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "retry_after": 5},
            "KEY_PREFIX": env.str("CACHE_PREFIX", default="crm"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# No REDIS_URL: the embedded default runs every task inline, so the demo works on its own.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="crm")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request must never hang when Redis is down: bound every publish.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 1,
    "visibility_timeout": 3600,
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Beat records a heartbeat each time it sends a task (the admin's home: "Last beat run").
CELERY_BEAT_SCHEDULER = "crm.common.heartbeat.HeartbeatScheduler"
CELERY_BEAT_SCHEDULE = {
    "outbox-dispatch": {
        "task": "crm.common.dispatch_outbox",
        "schedule": 60.0,
    },
    "notifications-catch-up": {
        # Fans out events written in bulk (mail sync) or whose fan-out task was lost.
        "task": "crm.notifications.catch_up",
        "schedule": 60.0,
    },
    "timeline-catch-up": {
        # Aggregates whatever a lost task or a crashed worker left unsynced (idempotent).
        "task": "crm.activities.timeline_catch_up",
        "schedule": 60.0,
    },
    "idempotency-purge": {
        "task": "crm.common.purge_idempotency_keys",
        "schedule": crontab(minute=17, hour=3),
    },
    "invoices-record-overdue": {
        "task": "invoices.record_overdue",
        "schedule": crontab(minute=30, hour=0),
    },
    "opportunities-stage-rollup": {
        # The board's velocity figures recomputed from the stage history (owners may change).
        "task": "opportunities.rebuild_stage_rollup",
        "schedule": crontab(minute=35, hour=0),
    },
    "forecast-grid-warm": {
        # The forecast grid's rows for the current quarter and month, into the cache.
        "task": "forecasting.warm_grid",
        "schedule": 300.0,
    },
    "forecast-snapshots": {
        "task": "forecasting.take_snapshots",
        "schedule": crontab(minute=5, hour=0),
    },
    "dashboards-warm": {
        "task": "crm.insights.warm_dashboards",
        "schedule": 300.0,
    },
    "assistant-scan": {
        "task": "crm.assistant.scan",
        "schedule": crontab(minute="*/15"),
    },
    "assistant-scan-activities": {
        "task": "crm.assistant.scan",
        "schedule": crontab(minute="*/5"),
        "kwargs": {"kinds": ["task_due_today", "task_overdue", "appointment_today",
                             "appointment_soon"]},
    },
    "assistant-full-scan": {
        "task": "crm.assistant.full_scan",
        "schedule": crontab(minute=5, hour=0),
    },
    "cardscan-purge-unsaved-images": {
        "task": "crm.cardscan.purge_unsaved_images",
        "schedule": crontab(minute=41, hour="*/6"),
    },
    "assistant-digest": {
        "task": "crm.assistant.send_digests",
        "schedule": crontab(minute=0, hour=7),
    },
    "mail-sync": {
        # One sync task per active mailbox (each holds a lease, so runs never overlap).
        "task": "crm.mail.sync_all",
        "schedule": 180.0,
    },
    "automation-dispatch-pending": {
        # Outgoing events whose after-commit dispatch was lost (Redis down, worker crash).
        "task": "crm.automation.dispatch_pending",
        "schedule": 30.0,
    },
    "automation-purge": {
        "task": "crm.automation.purge_old_events",
        "schedule": crontab(minute=47, hour=3),
    },
    "automation-deliver-due": {
        # Webhook retries that are due (exponential backoff with jitter, for 24 hours).
        "task": "crm.automation.deliver_due",
        "schedule": 15.0,
    },
    "mail-send-pending": {
        # Outgoing emails whose send task was lost (never claimed by a worker) are queued again.
        "task": "crm.mail.send_pending",
        "schedule": 300.0,
    },
    "exports-resume": {
        # Export jobs whose task was lost or whose worker died are queued again.
        "task": "crm.listviews.resume_exports",
        "schedule": 300.0,
    },
    "exports-purge": {
        # Export files older than CRM_EXPORT_KEEP_DAYS are deleted with their jobs.
        "task": "crm.listviews.purge_exports",
        "schedule": crontab(minute=53, hour=3),
    },
    "scoring-retrain": {
        # Lead and opportunity models retrained on the closed history, then every open record
        # re-scored in bounded batches (PROCESS.md, "Scoring").
        "task": "crm.scoring.retrain",
        "schedule": crontab(minute=20, hour=2),
    },
}

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@localhost")

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.users.authentication.TokenOrPersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON with bounded nesting, finite numbers and no NUL characters (400, never a 500).
    "DEFAULT_PARSER_CLASSES": [
        "crm.common.parsers.BoundedJSONParser",
        "crm.common.parsers.NulSafeFormParser",
        "crm.common.parsers.NulSafeMultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "crm.common.pagination.CursorPage",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "crm.common.throttling.UserRateThrottle",  # fail open when the cache is down
        "crm.common.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_RATE_USER", default="6000/min"),
        "anon": env.str("API_RATE_ANON", default="120/min"),
        "token": env.str("API_RATE_TOKEN", default="20/min"),
    },
    "EXCEPTION_HANDLER": "crm.common.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "crm.common.schema.CrmAutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM REST API",
    "DESCRIPTION": "Lead-to-cash CRM: leads, opportunities, quotes, orders, invoices.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set used by several apps' serializers.
    "ENUM_NAME_OVERRIDES": {
        "LeadSourceEnum": "leads.models.LeadSource",
        "DisqualifyReasonEnum": "leads.models.DisqualifyReason",
        "OpportunityStageEnum": "opportunities.models.Stage",
        "OpportunityStatusReasonEnum": "opportunities.models.StatusReason",
        "LoseReasonEnum": [("canceled", "Canceled"), ("out_sold", "Out-sold")],
        "QuoteStatusReasonEnum": "quotes.models.QuoteStatusReason",
        "QuoteCloseReasonEnum": "quotes.models.CloseReason",
        "InvoiceStatusReasonEnum": "invoices.models.InvoiceStatusReason",
        "MailSecurityEnum": "crm.mail.models.Security",
        "ActivityStateEnum": "crm.activities.models.ActivityState",
        "ActivityInitialStateEnum": [("open", "Open"), ("completed", "Completed")],
    },
}

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache (Redis) and written through to the database: a page costs
# no session query; with Redis down the FailOpenRedisCache misses and the database answers.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4): only this origin, no inline script or style (every
# script and stylesheet is a static file; data for scripts travels in `json_script` blocks and
# `data-` attributes). `blob:` images are the card-scan previews.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:", "blob:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    },
}
# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT failed logins for one username (from
# any address) or from one address (for any username), further logins are refused for
# LOGIN_COOLOFF_MINUTES with a 429 page saying when to try again. Admins unlock in the admin
# (Axes > Access attempts: delete the rows) or with `manage.py axes_reset_username <name>`.
AXES_ENABLED = env.bool("LOGIN_LOCKOUT", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "crm.users.lockout.lockout_response"
# The client address is REMOTE_ADDR; behind N trusted reverse proxies (TRUSTED_PROXY_COUNT=N)
# it is the N-th address from the right of X-Forwarded-For, which a client cannot forge.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "crm.users.lockout.client_ip"
if not DEBUG:
    _https = env.bool("HTTPS", default=not BENCH)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_https)
    # Probes call the process directly over HTTP: a redirect would read as "healthy" to them.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
    SESSION_COOKIE_SECURE = _https
    CSRF_COOKIE_SECURE = _https
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _https else 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
    SECURE_HSTS_PRELOAD = _https
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- Product settings -------------------------------------------------------------------------
CRM_COMPANY_NAME = env.str("CRM_COMPANY_NAME", default="Northwind Traders Ltd.")
# Printed under the company name on quotes, orders and invoices; lines separated by ";".
CRM_COMPANY_ADDRESS = env.str("CRM_COMPANY_ADDRESS",
                              default="1 Harbour Street; Seattle, WA 98101; United States")
CRM_BASE_CURRENCY = env.str("CRM_BASE_CURRENCY", default="USD")
# Phone numbers without a country code are read in the record's country, else in this region
# (ISO 3166 code): the E.164 keys duplicate detection compares (crm.common.matching).
CRM_DEFAULT_PHONE_REGION = env.str("CRM_DEFAULT_PHONE_REGION", default="US").upper()
CRM_LIST_PAGE_SIZE = 25
# List pages and API list pages served whole from the cache, keyed by viewer, query, language,
# time zone, minute and a version per table read (crm/common/pagecache.py); 0 turns it off.
CRM_PAGE_CACHE_SECONDS = env.int("CRM_PAGE_CACHE_SECONDS", default=300)
# /readyz/: each Celery worker writes a heartbeat this often; older than STALE = worker down.
CRM_WORKER_HEARTBEAT_SECONDS = env.int("CRM_WORKER_HEARTBEAT_SECONDS", default=15)
CRM_WORKER_HEARTBEAT_STALE_SECONDS = env.int("CRM_WORKER_HEARTBEAT_STALE_SECONDS", default=60)
# The assistant scan's lease: renewed this often while a scan runs; a crashed scan blocks the
# next one at most the lease's length.
CRM_ASSISTANT_SCAN_LEASE_SECONDS = env.int("CRM_ASSISTANT_SCAN_LEASE_SECONDS", default=120)
CRM_ASSISTANT_SCAN_LEASE_RENEW_SECONDS = env.int("CRM_ASSISTANT_SCAN_LEASE_RENEW_SECONDS",
                                                 default=30)
CSRF_FAILURE_VIEW = "crm.common.views.csrf_failure"
FORMS_URLFIELD_ASSUME_HTTPS = True
# Business card scanner: keep the card photo on the lead/contact it created (False: delete it
# once the record is saved); Tesseract language packs to use (English first).
CRM_CARDSCAN_KEEP_IMAGE = env.bool("CRM_CARDSCAN_KEEP_IMAGE", default=True)
CRM_CARDSCAN_LANGUAGES = env.str("CRM_CARDSCAN_LANGUAGES", default="eng+deu+fra+spa")
# Forecast periods: the month the fiscal year starts in (1 = January).
CRM_FISCAL_YEAR_START_MONTH = env.int("CRM_FISCAL_YEAR_START_MONTH", default=1)
# Public address of the app, for absolute links in e-mails (the assistant's daily digest).
CRM_BASE_URL = env.str("CRM_BASE_URL", default="http://127.0.0.1:8000")
# django-filter: the empty choice of a filter select reads "Any", not "---------".
FILTERS_EMPTY_CHOICE_LABEL = "Any"
# Email (crm.mail): the Fernet key that encrypts mailbox passwords at rest (44 url-safe base64
# characters, `Fernet.generate_key()`); derived from SECRET_KEY only when DEBUG is on (with
# DEBUG off and no key, saving a mailbox password fails with a clear error).
CRM_MAIL_KEY = env.str("CRM_MAIL_KEY", default="")
if not CRM_MAIL_KEY and DEBUG:
    import base64
    import hashlib

    CRM_MAIL_KEY = base64.urlsafe_b64encode(
        hashlib.sha256(("crm-mail:" + SECRET_KEY).encode()).digest()).decode()
CRM_MAIL_MAX_ATTACHMENT_BYTES = env.int("CRM_MAIL_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)
CRM_MAIL_SYNC_BATCH = env.int("CRM_MAIL_SYNC_BATCH", default=200)
CRM_MAIL_DISABLE_AFTER_AUTH_FAILURES = env.int("CRM_MAIL_DISABLE_AFTER_AUTH_FAILURES", default=3)
CRM_MAIL_TIMEOUT = env.int("CRM_MAIL_TIMEOUT", default=20)
# Sender domains that never link a message to an account by domain ("gmx." matches gmx.*).
CRM_MAIL_FREEMAIL_DOMAINS = env.list("CRM_MAIL_FREEMAIL_DOMAINS", default=[
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "gmx.", "web.de",
    "proton.me", "protonmail.com", "aol.com", "mail.com", "zoho.com", "yandex.ru",
    "mail.ru", "t-online.de", "orange.fr", "free.fr", "libero.it", "qq.com", "163.com",
])
# Webhooks (crm.automation): URLs resolving to private/loopback addresses are refused unless
# this is on (tests and on-premises receivers); each request gets this many seconds in all;
# failed deliveries are retried with backoff for RETRY_HOURS; an endpoint failing that long is
# disabled and its admin told.
CRM_WEBHOOKS_ALLOW_PRIVATE = env.bool("CRM_WEBHOOKS_ALLOW_PRIVATE", default=False)
CRM_WEBHOOKS_TIMEOUT = env.float("CRM_WEBHOOKS_TIMEOUT", default=10.0)
CRM_WEBHOOKS_RETRY_HOURS = env.int("CRM_WEBHOOKS_RETRY_HOURS", default=24)
CRM_WEBHOOKS_DISABLE_AFTER_HOURS = env.int("CRM_WEBHOOKS_DISABLE_AFTER_HOURS", default=24)
# Outgoing events (with their deliveries and rule runs) are kept this many days.
CRM_AUTOMATION_KEEP_DAYS = env.int("CRM_AUTOMATION_KEEP_DAYS", default=30)
# Scoring: fewer closed records of either outcome than this -> no model ("not enough history").
CRM_SCORING_MIN_PER_OUTCOME = env.int("CRM_SCORING_MIN_PER_OUTCOME", default=200)
# A failing rule run is tried this many times in all (backoff between), then marked failed.
CRM_AUTOMATION_RUN_ATTEMPTS = env.int("CRM_AUTOMATION_RUN_ATTEMPTS", default=4)
# List exports of more rows than this run on a Celery worker (file + notification) instead of
# streaming in the web request; their files are kept this many days.
CRM_EXPORT_INLINE_MAX_ROWS = env.int("CRM_EXPORT_INLINE_MAX_ROWS", default=5000)
CRM_EXPORT_KEEP_DAYS = env.int("CRM_EXPORT_KEEP_DAYS", default=7)
