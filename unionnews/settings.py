"""Settings for UnionNews: one module, driven by environment variables.

Local development needs no variables at all (SQLite under var/, local-memory cache,
DEBUG on). Production sets at least DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
See README.md for the full list.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from unionnews.media_bucket import ADDRESSING_STYLES, public_origin

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 0/1/true/false)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        number = -1
    if number < 0:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number of 0 or more")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# True under pytest or `manage.py test`: tests never need SSL redirects or a static manifest.
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-unionnews-local-development-only-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
if "testserver" not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append("testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "csp",  # django-csp: registers its system checks and the csp template tags
    "axes",  # django-axes: login throttling (lockouts are managed under 编辑部 → 登录锁定)
    "articles.apps.TopicsConfig",  # django-taggit, named 话题 on the desk
    "reversion",
    "unionnews",
    "organizations",
    "articles",
    "events",
    "editions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy: the site uses no camera, microphone, location, payment… (issue 10).
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous readers' pages from the cache, as early as it can be: a hit skips the rest.
    "unionnews.page_cache.PageCacheMiddleware",
    # The desk's pages, its refusals included, are private and never stored.
    "unionnews.page_cache.PrivateDeskMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Bodies too large, and uploads from someone not logged in: 413 before the body is read.
    "unionnews.limits.RequestLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: answers a locked-out login with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "unionnews.urls"
WSGI_APPLICATION = "unionnews.wsgi.application"
ASGI_APPLICATION = "unionnews.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite under var/ by default; DATABASE_URL=postgres://... selects PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
_is_postgres = DATABASE_URL.startswith(("postgres://", "postgresql://", "pgsql://"))
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=60 if _is_postgres else 0,
        conn_health_checks=_is_postgres,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: CACHE_URL (or REDIS_URL) selects Redis, otherwise a per-process memory cache.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")
# A cache server that is slow or gone must cost readers milliseconds, not seconds: short
# socket timeouts (UNIONNEWS_CACHE_TIMEOUT_MS), and the page cache stops asking for a few
# seconds after a failure (unionnews/page_cache.py).
CACHE_TIMEOUT_SECONDS = env_int("UNIONNEWS_CACHE_TIMEOUT_MS", 50) / 1000
if CACHE_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, with one client a process (unionnews/cache.py).
            "BACKEND": "unionnews.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "unionnews",
            "OPTIONS": {
                "socket_timeout": CACHE_TIMEOUT_SECONDS,
                "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "unionnews",
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Login throttling (django-axes, issue 10): after UNIONNEWS_LOGIN_FAILURE_LIMIT wrong passwords
# for one user name, or UNIONNEWS_LOGIN_ADDRESS_FAILURE_LIMIT from one address (an office
# shares one, and its editors must still get in to lift a lockout), logins are refused for
# AXES_COOLOFF_TIME, with a page in Chinese; an editor lifts a lockout at once under
# 编辑部 → 登录锁定. A login clears the failures of its own user name only
# (unionnews.logins.forget_failures): clearing the address's too let anyone with an account
# there reset another name's count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
UNIONNEWS_LOGIN_FAILURE_LIMIT = env_int("UNIONNEWS_LOGIN_FAILURE_LIMIT", 10)
UNIONNEWS_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("UNIONNEWS_LOGIN_ADDRESS_FAILURE_LIMIT", 50)
AXES_FAILURE_LIMIT = "unionnews.logins.failure_limit"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks, at its own limit
AXES_COOLOFF_TIME = timedelta(minutes=env_int("UNIONNEWS_LOGIN_LOCKOUT_MINUTES", 30))
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "unionnews.logins.lockout_response"
AXES_ENABLE_ADMIN = False  # the desk's own page: unionnews.admin.LoginLockAdmin
AXES_VERBOSE = False
# Behind a reverse proxy, the client address comes from X-Forwarded-For: say how many proxies.
UNIONNEWS_PROXY_COUNT = env_int("UNIONNEWS_PROXY_COUNT", 0)
# The address behind the proxies, for login throttling as for the search limit (without it,
# behind nginx every login came from 127.0.0.1: one address for the whole site).
AXES_CLIENT_IP_CALLABLE = "unionnews.limits.client_address"

# Site search (issue 11): searches from one address a minute for someone not logged in
# (django-ratelimit, counted in the cache), and the most milliseconds one search may spend in
# PostgreSQL before it is stopped with a message. With the cache down, nobody is limited.
UNIONNEWS_SEARCH_RATE = os.environ.get("UNIONNEWS_SEARCH_RATE", "30/m")
UNIONNEWS_SEARCH_TIMEOUT_MS = env_int("UNIONNEWS_SEARCH_TIMEOUT_MS", 200)
RATELIMIT_IP_META_KEY = "unionnews.limits.client_address"
RATELIMIT_FAIL_OPEN = True

# Internationalization: the UI is Simplified Chinese. Add ("en", "English") to LANGUAGES
# to let LocaleMiddleware offer English to browsers that ask for it.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static and media files. WhiteNoise serves static files; nothing comes from a CDN.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing STATIC_ROOT on every start
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded photos go through Django's storage API: local files under MEDIA_ROOT by default, or
# an S3-compatible bucket (pip install "unionnews[s3]") when MEDIA_S3_BUCKET is set; the keys
# come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY as boto3 reads them. Several app servers
# need the bucket: each one's MEDIA_ROOT holds only the photos uploaded through it.
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    MEDIA_S3_ADDRESSING_STYLE = os.environ.get("MEDIA_S3_ADDRESSING_STYLE", "").strip() or None
    if MEDIA_S3_ADDRESSING_STYLE not in (None, *ADDRESSING_STYLES):
        raise ImproperlyConfigured(
            f"MEDIA_S3_ADDRESSING_STYLE={MEDIA_S3_ADDRESSING_STYLE!r} is not one of "
            f"{', '.join(ADDRESSING_STYLES)}"
        )
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "custom_domain": os.environ.get("MEDIA_S3_CUSTOM_DOMAIN") or None,
            "addressing_style": MEDIA_S3_ADDRESSING_STYLE,
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
    # Where readers' browsers fetch the photos from, as botocore addresses the bucket (not
    # always the endpoint: AWS China, virtual-hosted buckets): allowed by the CSP's img-src.
    MEDIA_ORIGIN = public_origin(**_media_storage["OPTIONS"])
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    MEDIA_ORIGIN = ""
# Local media are served by the site itself, photo by photo to those who may see them
# (unionnews/urls.py, articles/views/media.py); SERVE_MEDIA=0 is for a bucket.
SERVE_MEDIA = env_bool("SERVE_MEDIA", not MEDIA_S3_BUCKET)
# Behind nginx: the internal location that sends a photo file once the site has decided who
# may see it (articles/views/media.py); unset, the site sends the file itself.
UNIONNEWS_MEDIA_ACCEL_REDIRECT = os.environ.get("UNIONNEWS_MEDIA_ACCEL_REDIRECT", "")
# Uploads: files over 2.5 MB stream to a temporary file, never held in memory; a request with
# more files than a story's photos could need is refused (400.html says why).
DATA_UPLOAD_MAX_NUMBER_FILES = 30
# The largest request the desk sends (a story with 12 photos of up to 20 MB each), in MB;
# anything larger is refused before it is read (unionnews/limits.py). Keep nginx's
# client_max_body_size the same (docs/production.md).
UNIONNEWS_MAX_REQUEST_MB = env_int("UNIONNEWS_MAX_REQUEST_MB", 250)
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Tests run with DEBUG forced off and no collectstatic: let WhiteNoise find app static files.
WHITENOISE_USE_FINDERS = DEBUG or TESTING

TAGGIT_CASE_INSENSITIVE = True

# The desk: whether the chief editor's sign-off (签发) is required before publication
# (two-level review). When false, an editor's approval is enough to publish or schedule.
UNIONNEWS_REQUIRE_SIGNOFF = env_bool("UNIONNEWS_REQUIRE_SIGNOFF", False)

# Full-page cache for anonymous readers (unionnews/page_cache.py): the most seconds a page is
# kept; it is also retired at once by any public change and never outlives a scheduled story's
# publish time. 0 turns it off. Several server processes need CACHE_URL (a shared Redis).
UNIONNEWS_PAGE_CACHE_SECONDS = env_int("UNIONNEWS_PAGE_CACHE_SECONDS", 600)

# Content Security Policy (django-csp 4.x format). No external asset, no inline script/style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
        "style-src": [SELF],
        "script-src": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
    },
}

# Browser features no page of the site uses are switched off for it and for anything it embeds.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": ["self"],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
}

# Security headers; the production hardening applies whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not TESTING)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {
            "handlers": ["console"],
            "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}

if TESTING:
    # Tests create many users; a slow password hash only slows them down.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
