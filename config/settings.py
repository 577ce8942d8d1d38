"""Settings for qingdan, read from the environment (the README's "Settings" table lists them all).

DATABASE_URL      -- e.g. postgres://user:pass@host:5432/qingdan (default: SQLite in var/)
SECRET_KEY        -- default: a random key generated once into var/secret_key
DEBUG             -- 1/true/yes to enable (default off)
ALLOWED_HOSTS     -- comma separated (default 127.0.0.1,localhost)
BEHIND_TLS_PROXY  -- 1 when a TLS reverse proxy (nginx) serves the site: HTTPS only, HSTS,
                     Secure cookies, client addresses from the proxy's X-Forwarded-For
"""

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp import constants as csp_constants
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("QINGDAN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a random key kept in var/secret_key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    "townships",
    "duties",
    "delegations",
    "bench",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A one-time password must be changed before anything else (townships.first_login).
    "townships.first_login.FirstLoginMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "townships.web.context_processors.nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'qingdan.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
    )
}
# How long a write waits for another one to finish before it gives up with a clear "busy,
# try again" (503, config.api and config.views) instead of waiting for ever.
DB_LOCK_TIMEOUT = env_int("DB_LOCK_TIMEOUT", 10)  # seconds
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every transaction takes the write lock when it begins (BEGIN IMMEDIATE), so two writers
    # queue up instead of the loser failing with "database is locked" when it upgrades its read
    # lock; the workflow then re-reads the row and refuses a lost race with its 409. WAL lets
    # readers work while one writer writes. Foreign keys are on by default in Django.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": DB_LOCK_TIMEOUT,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a database file (not the in-memory default): the concurrency tests need
    # several connections; one file per test run, so parallel runs never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"test_qingdan_{os.getpid()}.sqlite3"),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A row lock (the workflow's select_for_update) waited for longer than this is a 503 "busy".
    # No JIT: the flag rules are one large statement whose estimated cost makes PostgreSQL
    # compile it to machine code on every run, which took 10 s where running it takes 0.6 s
    # (a county's flag refresh, measured on PostgreSQL 15).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c lock_timeout={DB_LOCK_TIMEOUT * 1000} -c jit=off"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# The project's catalog (regenerated by ``make messages``), then the translations of Django's and
# the libraries' own strings that their catalogs lack (kept by hand).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_third_party"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' static folders too, so a fresh checkout needs no collectstatic.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

# Login throttling (django-axes): 5 failures for one username from one address lock that pair
# out for 15 minutes; a success clears the count. Logins without a request (test client) pass.
AUTHENTICATION_BACKENDS = [
    "townships.web.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The address a failure counts against: behind the TLS proxy, the client's address from the
# proxy's X-Forwarded-For, believed only when the request comes from a trusted proxy
# (config.proxy); otherwise the connecting address.
AXES_CLIENT_IP_CALLABLE = "config.proxy.client_ip"

# HTTPS. Behind a TLS reverse proxy (docs/deploy.md) the proxy says "https" in
# X-Forwarded-Proto; plain HTTP is redirected, browsers are told to use HTTPS only (HSTS) and
# cookies are sent over HTTPS only.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY")
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1") if BEHIND_TLS_PROXY else []
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions end after this many idle minutes: each request renews the cookie.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 120) * 60
SESSION_SAVE_EVERY_REQUEST = True

# Content-Security-Policy (django-csp 4): only the app's own scripts, styles, images and
# fonts; no inline script at all; an inline <style> only with the page's nonce. The admin, the
# browsable API and Swagger UI (third-party templates with style attributes) get inline styles
# on top (config.middleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", csp_constants.NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

REST_FRAMEWORK = {
    # The token first: a refused token is a 401 with a challenge (WWW-Authenticate: Token).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.api.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON nested deeper than config.limits.JSON_MAX_DEPTH is a 400; any body over
    # DATA_UPLOAD_MAX_MEMORY_SIZE a 413 (config.api) — never a 500.
    "DEFAULT_PARSER_CLASSES": [
        "config.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Capped page size; a malformed limit/offset is a 400 naming the parameter.
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    # Every error is JSON {"detail", "errors"?}: 400 names the parameter or field.
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
    "COERCE_DECIMAL_TO_STRING": False,
    "DATE_INPUT_FORMATS": ["%Y-%m-%d"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "qingdan API",
    "DESCRIPTION": "Township duty lists, delegations and offloading flags.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    # Error responses (400/401/403/404/409/413/414/503), closed request bodies and empty query
    # values on every operation (config.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.postprocess_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TownshipKindEnum": "townships.models.TownshipKind",
        "TownshipCategoryEnum": "townships.models.TownshipCategory",
        "DepartmentKindEnum": "townships.models.DepartmentKind",
        "ItemCategoryEnum": "duties.models.Category",
        "ListKindEnum": "duties.models.ListKind",
        "ListEntryStatusEnum": "duties.models.ListEntryStatus",
        "DelegationModeEnum": "delegations.models.DelegationMode",
        "DelegationStateEnum": "delegations.models.DelegationState",
        "LegalReviewEnum": "delegations.models.DelegationLegalReview",
        "ChannelEnum": "delegations.models.AssignmentChannel",
        "ResponsibilityEnum": "delegations.models.AssignmentResponsibility",
        "RecordedByEnum": "delegations.models.AssignmentRecordedBy",
    },
}

# API tokens (django-rest-knox): stored as a hash, valid for API_TOKEN_DAYS, sent as
# "Authorization: Token <key>"; manage.py create_api_token prints a new one.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_int("API_TOKEN_DAYS", 90)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# django-import-export: import needs the model's change permission, export its view permission;
# the admin mixin (duties/excel/admin.py) also limits import to office staff (编办).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# Business settings.
QINGDAN = {
    # Working days a county has to decide a submitted delegation request.
    "REVIEW_DEADLINE_WORKING_DAYS": int(os.environ.get("QINGDAN_REVIEW_DEADLINE_DAYS", "15")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
