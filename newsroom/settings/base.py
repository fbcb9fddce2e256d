"""Settings for the newsroom, read from the environment (see .env.example).

Development gets safe defaults (SQLite in var/, local-memory cache); production is DEBUG off,
which requires DJANGO_SECRET_KEY and reads the HTTPS settings below.
"""

import sys
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from newsroom.accounts.security import VIDEO_EMBED_ORIGINS

from .env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("NEWSROOM_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            "(set it to a long random string; see .env.example)"
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "ckeditor",
    "csp",
    # Staff second factor (authenticator apps and backup codes) and login lockouts.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "newsroom",
    "articles",
    "banners",
    "weather",
]

MIDDLEWARE = [
    # First: static files, the HTTPS redirect, error and outage pages carry the policy too.
    "newsroom.accounts.security.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.site.database.DatabaseOutageMiddleware",
    # The banners' view beacon and click redirect answer here: no page-cache lookup, session,
    # CSRF or user (banners/middleware.py).
    "banners.middleware.BannerShortcutMiddleware",
    # Anonymous readers' pages whole, before sessions and the view (newsroom.pagecache.pages).
    "newsroom.pagecache.pages.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "newsroom.site.database.PrimaryDatabaseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Staff sessions' idle and absolute limits, and enrolment in the second factor.
    "newsroom.accounts.staff.StaffSessionMiddleware",
    # Last, as django-axes asks: it sees the login view's answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"
ASGI_APPLICATION = "newsroom.asgi.application"

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
                "newsroom.site.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    # The embedded default: a SQLite file in the git-ignored var/ folder.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
# A database that accepts connections and never answers must cost seconds, not a worker:
# PostgreSQL connects within DATABASE_CONNECT_TIMEOUT seconds, and a query of a web request is
# cancelled after DATABASE_STATEMENT_TIMEOUT_MS (0: never). Management commands (migrate,
# fetch_weather, backups) get DATABASE_COMMAND_STATEMENT_TIMEOUT_MS instead (default: none).
# runserver serves web requests, so it gets the web timeout.
_RUNNING_COMMAND = Path(sys.argv[0]).name in {"manage.py", "django-admin"} and sys.argv[1:2] != [
    "runserver"
]
DATABASE_TIMEOUTS = {
    "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 3),
    "statement_timeout_ms": (
        env_int("DATABASE_COMMAND_STATEMENT_TIMEOUT_MS", 0)
        if _RUNNING_COMMAND
        else env_int("DATABASE_STATEMENT_TIMEOUT_MS", 5000)
    ),
}
# PostgreSQL plans a query once per connection, not on every run: prepared after this many runs
# of it (see database_from_url; docs/performance.md); 0 turns it off (a pooler in transaction
# mode without support for prepared statements). It needs server-side binding, which refuses a
# query of more than 65,535 parameters: newsroom.postgresql splits bulk writes under that.
DATABASE_PREPARE_THRESHOLD = env_int("DATABASE_PREPARE_THRESHOLD", 5)
# What every PostgreSQL connection of ours gets (the primary's and the replicas').
DATABASE_CONNECTION = {
    **DATABASE_TIMEOUTS,
    "prepare_threshold": DATABASE_PREPARE_THRESHOLD if DATABASE_PREPARE_THRESHOLD > 0 else None,
}
DATABASES = {
    "default": database_from_url(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), **DATABASE_CONNECTION
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL and a busy timeout let the dev server and a management command write side by side.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------
# "default" holds what must never be evicted (the content generation, view and impression counters,
# locks): its Redis runs with maxmemory-policy noeviction. "pages" holds what can be rebuilt (whole
# pages, generation-bound fragments; newsroom.pagecache.generation.page_cache): its own Redis with
# maxmemory and allkeys-lru when PAGE_CACHE_REDIS_URL is set, else the same server, where every page
# expires after PAGE_CACHE_SECONDS (docs/deploy.md).
REDIS_URL = env_str("REDIS_URL")
PAGE_CACHE_REDIS_URL = env_str("PAGE_CACHE_REDIS_URL")


def redis_cache_entry(location: str, key_prefix: str = "") -> dict:
    """A CACHES entry on django-redis that reads as an empty cache while Redis cannot be reached
    (newsroom/pagecache/redis_cache.py says how). The tests build theirs with it too."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {
            # An unreachable Redis: reads miss, writes do nothing, pages keep serving.
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
            # After a failed connection none is tried for 5 s: a black-holed Redis costs one
            # 0.5 s timeout every 5 s, not one per cache call.
            "CONNECTION_POOL_CLASS": "newsroom.pagecache.redis_cache.RetryAfterConnectionPool",
            "CONNECTION_POOL_KWARGS": {"retry_after": 5},
            # incr/decr on an unreachable Redis raise ValueError; incr_many for the counters.
            "CLIENT_CLASS": "newsroom.pagecache.redis_cache.CacheClient",
        },
    }


if REDIS_URL:
    CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "newsroom")
    CACHES = {
        "default": redis_cache_entry(REDIS_URL, CACHE_KEY_PREFIX),
        "pages": redis_cache_entry(PAGE_CACHE_REDIS_URL or REDIS_URL, f"{CACHE_KEY_PREFIX}-pages"),
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom-pages",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
    }

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# django-axes first: a locked account or address is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "ko-kr"
LANGUAGES = [("ko", "한국어")]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
# Korean for libraries that ship none (django-axes): locale/ko/LC_MESSAGES/django.po.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    # Apps' static files, but of django-ckeditor's only what the editor loads (no HTML pages).
    "newsroom.staticfiles.AppDirectoriesFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT") or VAR_DIR / "media")
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
STORAGES = {
    # Uploaded media on S3-compatible object storage when a bucket is named, local otherwise.
    "default": (
        {"BACKEND": "storages.backends.s3.S3Storage"}
        if AWS_STORAGE_BUCKET_NAME
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads over this size go to a temporary file instead of memory; the hard limits per kind of
# upload are enforced by the forms that accept them.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Rich text (django-ckeditor) --------------------------------------------------------------
# CKEditor 4 filters only in the browser; articles.richtext sanitizes on the server.
# Pictures come only from the photo library: the image button opens our picker (the
# newsroomphoto plugin, articles/static/articles/admin/photo-plugin.js). CKEditor's image
# dialogs, file browser and upload plugins are removed, no filebrowser*Url or uploadUrl is set,
# and the library's ckeditor_uploader app is not installed.
CKEDITOR_CONFIGS = {
    "default": {
        "language": "ko",
        "height": 480,
        "width": "100%",
        "toolbar": "Newsroom",
        "toolbar_Newsroom": [
            ["Format"],
            ["Bold", "Italic", "Underline", "Strike", "-", "RemoveFormat"],
            ["NumberedList", "BulletedList", "-", "Blockquote"],
            ["Link", "Unlink"],
            ["Image", "Table", "HorizontalRule", "SpecialChar"],
            ["Undo", "Redo"],
            ["Source", "Maximize"],
        ],
        "format_tags": "p;h2;h3;h4",
        "extraPlugins": "newsroomphoto",
        # Only the plugins our toolbar and pasting use (newsroom/staticfiles.py collects only
        # their files). preview: CVE-2024-24816. iframe stays: it keeps the embedded players
        # the sanitizer allows, shown as placeholders while editing.
        "removePlugins": (
            "image,image2,filebrowser,uploadimage,uploadwidget,filetools,"
            "about,preview,exportpdf,wsc,scayt,forms,flash,templates,save,print,newpage,"
            "smiley,colorbutton,colordialog,copyformatting,font,justify,bidi,language,div,find,"
            "showblocks,pagebreak,liststyle,stylescombo,selectall"
        ),
        # Pictures written before the library (<figure class="figure|image">, a plain <img>)
        # stay editable without CKEditor's image plugins.
        "extraAllowedContent": "figure(image,figure); img[!src,alt,width,height]; figcaption",
    },
    # The policy pages (개인정보처리방침 …): text, headings, lists, tables and links only.
    "policy": {
        "language": "ko",
        "height": 480,
        "width": "100%",
        "toolbar": "Policy",
        "toolbar_Policy": [
            ["Format"],
            ["Bold", "Italic", "Underline", "-", "RemoveFormat"],
            ["NumberedList", "BulletedList", "-", "Blockquote"],
            ["Link", "Unlink", "Table", "HorizontalRule"],
            ["Undo", "Redo", "Source", "Maximize"],
        ],
        "format_tags": "p;h2;h3;h4",
        "removePlugins": (
            "image,image2,about,preview,exportpdf,wsc,scayt,forms,flash,templates,save,print,"
            "newpage,smiley,colorbutton,colordialog,copyformatting,font,justify,bidi,language,"
            "div,find,showblocks,pagebreak,liststyle,stylescombo,selectall,iframe,uploadimage,"
            "uploadwidget,filetools,filebrowser"
        ),
    },
}
# ckeditor.W001 (bundled CKEditor 4 has unfixed issues) is answered by server-side sanitizing.
SILENCED_SYSTEM_CHECKS = ["ckeditor.W001"]

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
if env_bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Site -------------------------------------------------------------------------------------
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env_str("SITE_NAME", "메디팜뉴스")

# --- Weather (KMA) ----------------------------------------------------------------------------
KMA_API_KEY = env_str("KMA_API_KEY")
WEATHER_STALE_AFTER_MINUTES = env_int("WEATHER_STALE_AFTER_MINUTES", 180)
# Seconds one KMA fetch may take in all (connect, read, retries): the admin's "fetch now"
# button answers within KMA_FETCH_DEADLINE_SECONDS; the scheduled `fetch_weather` run, which
# nobody waits for, has room for its retries; and the largest answer read (bytes).
KMA_FETCH_DEADLINE_SECONDS = env_int("KMA_FETCH_DEADLINE_SECONDS", 8)
KMA_SCHEDULED_DEADLINE_SECONDS = env_int("KMA_SCHEDULED_DEADLINE_SECONDS", 60)
KMA_MAX_RESPONSE_BYTES = env_int("KMA_MAX_RESPONSE_BYTES", 2 * 1024 * 1024)
# Within that deadline, seconds to connect (TCP and TLS) and seconds any one read may wait.
KMA_CONNECT_TIMEOUT = env_int("KMA_CONNECT_TIMEOUT", 5)
KMA_READ_TIMEOUT = env_int("KMA_READ_TIMEOUT", 15)

# --- Logging ----------------------------------------------------------------------------------
# django-redis logs each error it ignores (with IGNORE_EXCEPTIONS) here.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "newsroom.pagecache.redis_cache"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "redis_outages": {"()": "newsroom.pagecache.redis_cache.OutageLog", "interval": 60}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The Redis cache's outages: one line a minute per server, not a traceback per call.
        DJANGO_REDIS_LOGGER: {"filters": ["redis_outages"]},
        # Lockouts and failures are warnings; axes' routine lines stay out of the log.
        "axes": {"level": "WARNING"},
        # urllib3 warns on every retry of the KMA fetch; fetch_weather logs one line a run.
        "urllib3": {"level": "ERROR"},
    },
}

# --- Banners ----------------------------------------------------------------------------------
# Seconds the live placements of all slots are cached (0: read the database on every page).
BANNER_CACHE_SECONDS = env_int("BANNER_CACHE_SECONDS", 60)
# Seconds between flushes of the cached impression counters into the statistics, done after a
# request by a process that has counted (0: only `flush_banner_stats` and the report page).
BANNER_FLUSH_SECONDS = env_int("BANNER_FLUSH_SECONDS", 60)
# Days of cached counters a flush looks at (counters older than this are left to expire).
BANNER_FLUSH_DAYS = env_int("BANNER_FLUSH_DAYS", 3)
# View beacons (banners/viewability.py) one client address may send a minute; more get 429.
# A reader sends one every few seconds while banners come into view: 120 leaves room for a
# newsroom's office behind one address.
BANNER_BEACONS_PER_MINUTE = env_int("BANNER_BEACONS_PER_MINUTE", 120)
# Seconds a day's impression, click and view counters live in the cache before a flush takes
# them (a week: a flush can be late by days without a count lost). Named here, not left to the
# code's default: every banner slot of every page reads it, and a setting Django does not have
# costs an exception on each read.
BANNER_COUNTER_TIMEOUT = env_int("BANNER_COUNTER_TIMEOUT", 7 * 24 * 3600)
# --- Platform: security headers, login throttling, replicas, object storage ---------------------
# Content-Security-Policy: origins of ad networks whose tags need scripts, images or frames
# (comma-separated, with scheme); a report endpoint if one collects violations.
CSP_AD_SOURCES = env_list("CSP_AD_SOURCES")
# The reader's policy (django-csp); newsroom.accounts.security adds the static and media origins and
# the editor's relaxed policy. Inline styles stay allowed: the editor's markup needs them; styles
# cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "media-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF, *VIDEO_EMBED_ORIGINS],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": env_list("CSP_REPORT_URI") or None,
    },
}
# No report-only policy; named so that every response's check reads a setting that exists.
CONTENT_SECURITY_POLICY_REPORT_ONLY = None
# No script reads the CSRF cookie (the admin posts the form's token).
CSRF_COOKIE_HTTPONLY = True
# Our Korean page (templates/403_csrf.html) rather than Django's English one.
CSRF_FAILURE_VIEW = "newsroom.site.views.csrf_failure"
# Proxies in front of the app whose X-Forwarded-For entries are trusted for the client address
# (nginx alone: 1; a CDN and nginx: 2).
TRUSTED_PROXY_HOPS = env_int(
    "DJANGO_TRUSTED_PROXY_HOPS", 1 if env_bool("DJANGO_BEHIND_PROXY", default=False) else 0
)
# Addresses the nearest proxy calls the app from; X-Forwarded-For from any other address (a
# client reaching the app port directly) is ignored. Default: loopback and private networks.
TRUSTED_PROXY_NETWORKS = env_list(
    "DJANGO_TRUSTED_PROXY_NETWORKS",
    ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)
for _network in TRUSTED_PROXY_NETWORKS:
    try:
        ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"DJANGO_TRUSTED_PROXY_NETWORKS: {_network!r} is not an address or network"
        ) from None

# Admin login lockouts (django-axes, newsroom/accounts/login.py), kept in the database so that
# a Redis outage never lets guesses through. Failures within the cool-off count; a lock ends
# AXES_COOLOFF_MINUTES after the last failure, or when an administrator deletes the attempt
# (사이트 보안 › 로그인 실패 기록). An address is locked first: one account from one address after
# AXES_FAILURE_LIMIT failures, any accounts from one address after AXES_ADDRESS_FAILURE_LIMIT;
# the account everywhere only once failures for it came from AXES_ACCOUNT_ADDRESS_LIMIT
# addresses, so an attacker's address cannot lock the editor out.
AXES_HANDLER = "newsroom.accounts.login.LoginLockHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_ACCOUNT_ADDRESS_LIMIT = env_int("AXES_ACCOUNT_ADDRESS_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
# Tries while locked do not extend the lock (it ends on time for the editor).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "newsroom.accounts.clientip.login_address"
AXES_LOCKOUT_CALLABLE = "newsroom.accounts.login.lockout_response"
# Every success and failure, with user, address and time, for administrators (ASVS V7).
AXES_DISABLE_ACCESS_LOG = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False  # our own read-only admin (newsroom/admin/__init__.py)
AXES_VERBOSE = False

# Second factor (django-otp): roles that must use an authenticator app (superuser, desk,
# reporter, admanager); such staff are led to /admin/two-factor/ before any other admin page.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", ["superuser", "desk"])
# newsroom.site.roles.ROLE_KEYS and "superuser": a misspelt role would silently require nothing.
OTP_ROLE_NAMES = ["superuser", "desk", "reporter", "admanager"]
_unknown_roles = sorted(set(OTP_REQUIRED_ROLES) - set(OTP_ROLE_NAMES))
if _unknown_roles:
    raise ImproperlyConfigured(
        f"OTP_REQUIRED_ROLES names unknown roles {_unknown_roles}"
        f" (known: {', '.join(OTP_ROLE_NAMES)})"
    )
OTP_TOTP_ISSUER = SITE_NAME
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Staff sessions end STAFF_SESSION_HOURS after signing in and after STAFF_SESSION_IDLE_MINUTES
# without a request (newsroom/accounts/staff.py).
SESSION_COOKIE_AGE = env_int("STAFF_SESSION_HOURS", 12) * 60 * 60
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 60)

# Read replicas: each URL becomes DATABASES["replica1"], ...;
# newsroom.site.database.ReplicaRouter sends anonymous reads there, and writes, migrations,
# the admin and staff to the primary.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _alias = f"replica{_number}"
    try:
        DATABASES[_alias] = database_from_url(
            _url, conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0), **DATABASE_CONNECTION
        )
    except ImproperlyConfigured as _exc:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS entry {_number}: {str(_exc).replace('DATABASE_URL ', '')}"
        ) from None
    # Tests run against the test primary; a replica there is the same database.
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["newsroom.site.database.ReplicaRouter"]

# Object storage for media (django-storages, S3 API) when AWS_STORAGE_BUCKET_NAME is set.
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
AWS_S3_ACCESS_KEY_ID = env_str("AWS_S3_ACCESS_KEY_ID") or None
AWS_S3_SECRET_ACCESS_KEY = env_str("AWS_S3_SECRET_ACCESS_KEY") or None
# A CDN host serving the bucket (media URLs then point at it, unsigned).
AWS_S3_CUSTOM_DOMAIN = env_str("AWS_S3_CUSTOM_DOMAIN") or None
AWS_QUERYSTRING_AUTH = False  # media are public, like the pages that show them
AWS_S3_FILE_OVERWRITE = False  # a second upload of 사진.jpg never replaces the first
AWS_DEFAULT_ACL = None  # the bucket's policy decides
AWS_LOCATION = env_str("AWS_LOCATION", "media")
if AWS_STORAGE_BUCKET_NAME and AWS_S3_CUSTOM_DOMAIN:
    MEDIA_URL = f"https://{AWS_S3_CUSTOM_DOMAIN}/{AWS_LOCATION}/"
# --- Reader site ------------------------------------------------------------------------------
# Seconds the server keeps a page's data (article lists, an article, navigation) in the cache. Any
# change readers must see bumps the content generation (newsroom.pagecache.generation), so this is
# only an upper bound for things that change without a save (most-read ranking).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
# Seconds each worker process may keep what every page reads from the shared cache (the content
# generation, the banners' live set, the rendered ticker) without asking Redis again. A change
# made in another process shows up after at most this long; 0 asks the shared cache every time.
PAGE_CACHE_LOCAL_SECONDS = env_int("PAGE_CACHE_LOCAL_SECONDS", 1)
# Seconds the server keeps the HTML of the blocks every page shares (the section menu, the
# footer, the home page's blocks, 많이 본 뉴스, the article page's section blocks), whether the page
# cache is on or not (PAGE_CACHE_SECONDS=0). Their keys carry the content generation and the
# versions of the scopes they show, so a change shows at once; this bounds only what changes
# without a save (the most-read ranking). 0 renders every block on every request.
FRAGMENT_CACHE_SECONDS = env_int("FRAGMENT_CACHE_SECONDS", 300)
# A page missing from the cache is rendered by one request; readers asking for it meanwhile wait
# up to this many milliseconds for that render (then render it themselves: a stuck or crashed
# renderer never holds a page up for longer).
PAGE_CACHE_RENDER_WAIT_MS = env_int("PAGE_CACHE_RENDER_WAIT_MS", 3000)
# Article views are added up in each worker and written at most this often (articles.viewcounts);
# 0 writes every view with its own UPDATE.
ARTICLE_VIEW_FLUSH_SECONDS = env_int("ARTICLE_VIEW_FLUSH_SECONDS", 2)
# --- Editorial desk (articles) ----------------------------------------------------------------
# The upload pipeline (newsroom/pictures.py): size limit, pixel limit (decompression bombs), the
# width pictures are scaled down to, and the thumbnails' width.
ARTICLE_IMAGE_MAX_BYTES = env_int("ARTICLE_IMAGE_MAX_MB", 10) * 1024 * 1024
ARTICLE_IMAGE_MAX_PIXELS = env_int("ARTICLE_IMAGE_MAX_PIXELS", 50_000_000)
ARTICLE_IMAGE_MAX_WIDTH = env_int("ARTICLE_IMAGE_MAX_WIDTH", 1600)
ARTICLE_IMAGE_THUMB_WIDTH = env_int("ARTICLE_IMAGE_THUMB_WIDTH", 480)
# --- Email and the newsletter (newsroom/newsletter/) -----------------------------------------
# Django's email framework over SMTP: the host's own relay (Postfix on localhost:25) by default,
# or a provider's submission port with EMAIL_USE_TLS and a login. `make run` without EMAIL_HOST
# prints mails on the console instead (the confirmation link is there to click).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not EMAIL_HOST
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
# Seconds an SMTP connect or reply may take: a stuck relay stops a send run, not forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
NEWSLETTER_FROM_EMAIL = env_str("NEWSLETTER_FROM_EMAIL", DEFAULT_FROM_EMAIL)
# Days a confirmation link stays good; an address not confirmed by then is deleted.
NEWSLETTER_CONFIRM_DAYS = env_int("NEWSLETTER_CONFIRM_DAYS", 7)
# The subscribe form: posts per client address an hour, confirmation mails per address a day.
NEWSLETTER_SUBSCRIBE_PER_HOUR = env_int("NEWSLETTER_SUBSCRIBE_PER_HOUR", 10)
NEWSLETTER_CONFIRMATIONS_PER_DAY = env_int("NEWSLETTER_CONFIRMATIONS_PER_DAY", 3)
# send_newsletter: addresses per batch (one SMTP connection each) and seconds between batches
# (a provider's rate limit); a delivery claimed this many minutes ago by a run that never
# finished it is "unknown" (docs/operations.md).
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 100)
NEWSLETTER_BATCH_PAUSE_SECONDS = env_int("NEWSLETTER_BATCH_PAUSE_SECONDS", 0)
NEWSLETTER_UNKNOWN_AFTER_MINUTES = env_int("NEWSLETTER_UNKNOWN_AFTER_MINUTES", 10)
