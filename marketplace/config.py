"""Settings, read from the environment once, here only.

Every setting the application understands is listed in `SETTINGS` with its
default and meaning; the README's table is checked against it by a test.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: name -> (default shown in the README, meaning)
SETTINGS: dict[str, tuple[str, str]] = {
    "SECRET_KEY": (
        "generated once, kept in `instance/secret_key`",
        "signs session cookies and CSRF tokens",
    ),
    "DATABASE_URL": (
        "`sqlite:///instance/marketplace.db`",
        "SQLAlchemy URL; `postgresql://...` for PostgreSQL",
    ),
    "PORT": ("`5000`", "port `make run` serves on (127.0.0.1)"),
    "INSTANCE_PATH": ("`instance/` in the checkout", "where the database, secret and files live"),
    "SESSION_COOKIE_SECURE": (
        "`0`",
        "`1` when served behind HTTPS: cookies are then sent over HTTPS only",
    ),
    "TRUSTED_PROXIES": ("`0`", "number of reverse proxies in front (sets X-Forwarded-* trust)"),
    "RATELIMIT_STORAGE_URI": ("`memory://`", "Flask-Limiter storage; `redis://...` past one host"),
    "LOGIN_RATE_LIMIT": ("`10 per minute`", "login attempts allowed per client address"),
    "DEFAULT_LOCALE": ("`en`", "language when the browser states no preference"),
    "CLAIM_APPROVALS_REQUIRED": (
        "`1`",
        "independent reviewer approvals a label claim needs (1 or 2)",
    ),
    "CLAIM_APPROVAL_DAYS": ("`365`", "days an approved label claim stays valid"),
    "CLAIM_REMINDER_DAYS": ("`30`", "days before expiry the co-op is reminded to renew"),
    "REREVIEW_GRACE_DAYS": ("`90`", "days a claim stays verified after new criteria are adopted"),
    "EVIDENCE_MAX_BYTES": ("`10485760`", "largest evidence file (PDF, JPEG, PNG, WebP) in bytes"),
    "PROPOSAL_DAYS": ("`14`", "days a proposal is open for votes"),
    "VOTE_QUORUM_PERCENT": ("`50`", "share of admitted co-ops that must vote (abstaining counts)"),
    "VOTE_MAJORITY_PERCENT": ("`50`", "yes must be more than this share of yes + no votes"),
    "REDIS_URL": (
        "unset",
        "Redis for background jobs; run `rq worker marketplace` with the same settings",
    ),
    "JOBS_BACKEND": (
        "`rq` when `REDIS_URL` is set, else `thread`",
        "`thread` (after commit, in the web process), `rq` or `inline` (at once)",
    ),
    "SEARCH_BACKEND": (
        "`whoosh`",
        "`whoosh` (index folder under the instance) or `postgres` (PostgreSQL full-text search)",
    ),
    "SEARCH_INDEX_DIR": ("`instance/search`", "where the Whoosh index lives"),
    "SEARCH_SYNC": (
        "`thread`",
        "`thread` (an indexer thread per web process; other processes apply their own "
        "changes after commit), `inline` (at once after each commit) or `off` (only "
        "recorded: `flask search sync` applies them)",
    ),
    "MAIL_BACKEND": (
        "`file`",
        "`file` (each message written as an .eml file under `instance/mail/`) or `smtp`",
    ),
    "MAIL_DELIVERY": (
        "`job`",
        "`job` (a background job after each commit that wrote mail), `inline` (at once after "
        "the commit) or `off` (only `flask mail send`, which also retries failed messages: "
        "run it from cron)",
    ),
    "MAIL_DEFAULT_SENDER": ("`marketplace@localhost`", "the From address of every message"),
    "MAIL_SERVER": ("`localhost`", "SMTP server"),
    "MAIL_PORT": ("`25`, `587` with TLS, `465` with SSL", "SMTP port"),
    "MAIL_USE_TLS": ("`0`", "`1`: STARTTLS after connecting"),
    "MAIL_USE_SSL": ("`0`", "`1`: connect over TLS (SMTPS)"),
    "MAIL_USERNAME": ("unset", "SMTP login, if the server needs one"),
    "MAIL_PASSWORD": ("unset", "SMTP password"),
    "MAIL_TIMEOUT": ("`10`", "seconds to wait for the SMTP server before trying again later"),
    "HOUSEKEEPING": (
        "`thread`",
        "`thread` (each web process expires unpaid orders and retries due e-mail every "
        "minute; with Stripe also due transfers, reversals and refunds) or `off` (run "
        "`flask orders expire`, `flask mail send` and `flask payouts run` from cron)",
    ),
    "BANK_TRANSFER_HOLD_HOURS": (
        "`168`",
        "hours an order paid by bank transfer keeps its stock before it expires unpaid",
    ),
    "FEDERATION_BANK_HOLDER": (
        "`Federation of Co-operatives`",
        "account holder buyers pay bank transfers to",
    ),
    "FEDERATION_IBAN": ("`DE02120300000000202051`", "IBAN buyers pay bank transfers to"),
    "FEDERATION_BIC": ("`BYLADEM1001`", "BIC of that account"),
    "PROCESSOR_FEE_BEARER": (
        "`federation`",
        "who bears the payment processor's fee: `federation`, or `coops` (each co-op order its "
        "share by total); recorded in the ledger either way",
    ),
    "STRIPE_SECRET_KEY": (
        "unset",
        "Stripe secret key; when set, buyers can pay by card through Stripe Connect",
    ),
    "STRIPE_PUBLISHABLE_KEY": ("unset", "Stripe publishable key for the Payment Element"),
    "STRIPE_WEBHOOK_SECRET": (
        "unset",
        "signing secret of the webhook endpoint `/payments/stripe/webhook`",
    ),
    "STRIPE_API_BASE": (
        "`https://api.stripe.com`",
        "where the Stripe API is reached (a proxy, or a local test server)",
    ),
    "STRIPE_MAX_NETWORK_RETRIES": (
        "`3`",
        "times the Stripe client retries a failed request, with the same idempotency key",
    ),
    "STRIPE_TIMEOUT": ("`30`", "seconds to wait for Stripe before a request counts as failed"),
    "STRIPE_HOLD_HOURS": ("`1`", "hours an order paid by card keeps its stock while unpaid"),
    "PAYOUT_RETRY_MINUTES": (
        "`15`",
        "minutes before a failed transfer, reversal or refund is tried again "
        "(by the housekeeping thread or `flask payouts run`)",
    ),
}


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _flag(name: str) -> bool:
    return (_env(name, "0") or "0").lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"setting {name} must be a whole number, not {raw!r}") from None


def instance_path() -> Path:
    """The folder for the database, the secret key and uploaded files."""
    default = Path(__file__).resolve().parent.parent / "instance"
    return Path(_env("INSTANCE_PATH", str(default)))


def _secret_key(folder: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept on disk."""
    from_env = _env("SECRET_KEY")
    if from_env:
        return from_env
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once must not write two keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for `postgresql://` and `postgres://` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment() -> dict[str, object]:
    """The application's configuration, built from the environment."""
    folder = instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    database_url = _env("DATABASE_URL", f"sqlite:///{folder / 'marketplace.db'}")
    return {
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": _secret_key(folder),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "PORT": int(_env("PORT", "5000") or 5000),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "TRUSTED_PROXIES": int(_env("TRUSTED_PROXIES", "0") or 0),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", "10 per minute"),
        "BABEL_DEFAULT_LOCALE": _env("DEFAULT_LOCALE", "en"),
        "CLAIM_APPROVALS_REQUIRED": _int("CLAIM_APPROVALS_REQUIRED", 1),
        "CLAIM_APPROVAL_DAYS": _int("CLAIM_APPROVAL_DAYS", 365),
        "CLAIM_REMINDER_DAYS": _int("CLAIM_REMINDER_DAYS", 30),
        "REREVIEW_GRACE_DAYS": _int("REREVIEW_GRACE_DAYS", 90),
        "EVIDENCE_MAX_BYTES": _int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024),
        "PROPOSAL_DAYS": _int("PROPOSAL_DAYS", 14),
        "VOTE_QUORUM_PERCENT": _int("VOTE_QUORUM_PERCENT", 50),
        "VOTE_MAJORITY_PERCENT": _int("VOTE_MAJORITY_PERCENT", 50),
        "REDIS_URL": _env("REDIS_URL"),
        "JOBS_BACKEND": _env("JOBS_BACKEND", "rq" if _env("REDIS_URL") else "thread"),
        "SEARCH_BACKEND": _env("SEARCH_BACKEND", "whoosh"),
        # None: `search` inside the app's instance folder (tests give each app its own)
        "SEARCH_INDEX_DIR": _env("SEARCH_INDEX_DIR"),
        "SEARCH_SYNC": _env("SEARCH_SYNC", "thread"),
        "MAIL_BACKEND": _env("MAIL_BACKEND", "file"),
        "MAIL_DELIVERY": _env("MAIL_DELIVERY", "job"),
        "MAIL_DEFAULT_SENDER": _env("MAIL_DEFAULT_SENDER", "marketplace@localhost"),
        "MAIL_SERVER": _env("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int(
            "MAIL_PORT", 465 if _flag("MAIL_USE_SSL") else 587 if _flag("MAIL_USE_TLS") else 25
        ),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        "HOUSEKEEPING": _env("HOUSEKEEPING", "thread"),
        "BANK_TRANSFER_HOLD_HOURS": _int("BANK_TRANSFER_HOLD_HOURS", 7 * 24),
        "FEDERATION_BANK_HOLDER": _env("FEDERATION_BANK_HOLDER", "Federation of Co-operatives"),
        "FEDERATION_IBAN": _env("FEDERATION_IBAN", "DE02120300000000202051"),
        "FEDERATION_BIC": _env("FEDERATION_BIC", "BYLADEM1001"),
        "PROCESSOR_FEE_BEARER": _env("PROCESSOR_FEE_BEARER", "federation"),
        "STRIPE_SECRET_KEY": _env("STRIPE_SECRET_KEY"),
        "STRIPE_PUBLISHABLE_KEY": _env("STRIPE_PUBLISHABLE_KEY"),
        "STRIPE_WEBHOOK_SECRET": _env("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": _env("STRIPE_API_BASE", "https://api.stripe.com"),
        "STRIPE_MAX_NETWORK_RETRIES": _int("STRIPE_MAX_NETWORK_RETRIES", 3),
        "STRIPE_TIMEOUT": _int("STRIPE_TIMEOUT", 30),
        "STRIPE_HOLD_HOURS": _int("STRIPE_HOLD_HOURS", 1),
        "PAYOUT_RETRY_MINUTES": _int("PAYOUT_RETRY_MINUTES", 15),
    }


#: Settings that do not come from the environment.
FIXED: dict[str, object] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BABEL_TRANSLATION_DIRECTORIES": "translations",
    "LANGUAGES": {"en": "English", "de": "Deutsch", "sv": "Svenska"},
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "RATELIMIT_HEADERS_ENABLED": True,
    "LISTINGS_PER_PAGE": 24,
    "JOBS_QUEUE": "marketplace",
    "MAX_IMAGES_PER_LISTING": 8,
    "IMAGE_MAX_BYTES": 8 * 1024 * 1024,
    "IMAGE_MAX_PIXELS": 40_000_000,
    "PASSWORD_HASHER": "argon2id",
    "INVITE_TTL_HOURS": 7 * 24,
}
