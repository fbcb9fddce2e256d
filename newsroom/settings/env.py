"""Small helpers that read typed settings from the environment.

Every failure is an ImproperlyConfigured with one readable line, so a mis-set variable stops
start-up with a message that names the variable instead of a traceback deep in Django.
"""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(
    url: str,
    *,
    conn_max_age: int,
    connect_timeout: int = 3,
    statement_timeout_ms: int = 0,
    prepare_threshold: int | None = None,
) -> dict:
    """Parse DATABASE_URL; only SQLite and PostgreSQL are supported.

    PostgreSQL gets `connect_timeout` (seconds; libpq's minimum is 2) and, when not 0, a
    server-side `statement_timeout` (ms), so a database that accepts connections and never
    answers ends in an OperationalError (the 503 outage page), not a hung worker.

    `prepare_threshold` (PostgreSQL; None: never): a query this connection has run that many
    times is prepared on the server, so PostgreSQL plans it once per connection, not on every
    run (server-side binding, as psycopg prepares only then). Planning the article page's
    read costs PostgreSQL more than running it (docs/performance.md). A pooler in transaction
    mode needs support for prepared statements (PgBouncer 1.21+, `max_prepared_statements`), or
    this off. Server-side binding takes at most 65,535 parameters a query: the engine
    (newsroom.postgresql) splits bulk writes under that.
    """
    import dj_database_url

    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with sqlite:/// or postgres://, not {url!r}"
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several types for malformed URLs
        raise ImproperlyConfigured(f"DATABASE_URL could not be read ({exc}): {url!r}") from None
    if config["ENGINE"].endswith("postgresql"):
        if not config.get("NAME"):
            raise ImproperlyConfigured(f"DATABASE_URL names no database: {url!r}")
        # Django's, with bulk writes kept under PostgreSQL's 65,535 parameters a query.
        config["ENGINE"] = "newsroom.postgresql"
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", connect_timeout)
        if prepare_threshold is not None:
            options["server_side_binding"] = True
            options["prepare_threshold"] = prepare_threshold
        if statement_timeout_ms:
            options["options"] = " ".join(
                filter(
                    None,
                    [options.get("options", ""), f"-c statement_timeout={statement_timeout_ms}"],
                )
            )
    return config
