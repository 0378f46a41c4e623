"""All API settings in one pydantic-settings class, read from the environment (prefix DVC_)."""

from __future__ import annotations

import functools
import pathlib

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = pathlib.Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime settings; defaults give the embedded SQLite profile on loopback."""

    model_config = SettingsConfigDict(env_prefix="DVC_", env_file=None, extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'var' / 'dvc.db'}"
    kb_dir: pathlib.Path = ROOT / "kb"
    site_file: pathlib.Path = ROOT / "site.yaml"
    national_db_dir: pathlib.Path = ROOT.parent / "shared" / "reference" / "national_db"  # copy the kb is drafted from
    # Browser origins allowed to call the API; scripts/run.sh gives Rasa the same list (default: API_PORT's demo page).
    cors_origins: list[str] = ["http://localhost:8000", "http://127.0.0.1:8000"]
    # The Rasa URL the demo page (GET /) gives the widget.
    widget_rasa_url: str = "http://127.0.0.1:5005"
    # The Telegram bot's username (without @): a class page then shows a QR code of its t.me join link.
    telegram_bot_username: str = ""
    # Issue 4 (dossiers, notifications); tokens come from the environment only, unset = endpoints answer 401.
    profile: str = "dev"
    internal_token: str | None = None
    integration_token: str | None = None
    redis_url: str | None = None
    redis_prefix: str = "dvc:"
    dossier_code_pattern: str = r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$"
    lookup_rate_limit: int = 30
    lookup_rate_window_seconds: int = 60
    lookup_practice_rate_limit: int = 600  # practice codes, per address: a class behind one school address
    # Lockout on wrong digits (api/dossiers/lockout.py has the arithmetic): per code from everyone together, per client.
    lookup_max_failures: int = 5
    lookup_max_failures_per_client: int = 10
    lookup_lock_seconds: int = 900  # the first lock; each next one is twice as long
    lookup_max_lock_seconds: int = 4 * 24 * 3600
    # Issue 5 (records, reports, admin); secrets from the environment only, a random per-process key if unset.
    retention_days: int = 365
    tracker_db_url: str = f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
    admin_user: str | None = None
    admin_password: str | None = None
    secret_key: str | None = None
    auth_token_ttl_seconds: int = 3600
    session_ttl_seconds: int = 8 * 3600
    login_max_attempts: int = 5  # failed logins per client address within the window (form, token, Basic)
    login_max_attempts_per_user: int = 10  # failed logins per account name, from any address
    login_window_seconds: int = 300


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process; tests clear this cache after changing the environment."""
    return Settings()


# What the production profile cannot run without: DVC_ variable name → why.
PRODUCTION_NEEDS = {
    "secret_key": "signs admin sessions and tokens; every API worker must share it",
    "internal_token": "the action server and the gateway prove themselves with it",
    "integration_token": "the one-stop system pushes dossiers with it",
    "redis_url": "rate limits shared by every worker and Rasa's lock store",
}


def production_problems(settings: Settings) -> list[str]:
    """Why this configuration may not run as production (empty when it may, or when the profile is not production)."""
    if settings.profile != "production":
        return []
    problems = [f"DVC_{name.upper()} is not set ({why})" for name, why in PRODUCTION_NEEDS.items() if not getattr(settings, name)]
    if settings.secret_key and len(settings.secret_key) < 32:
        problems.append("DVC_SECRET_KEY is shorter than 32 characters")
    return problems
