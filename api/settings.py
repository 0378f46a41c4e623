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
    cors_origins: list[str] = ["http://localhost:8000", "http://127.0.0.1:8000"]
    search_min_score: float = 0.45
    search_ambiguity_gap: float = 0.08


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process; tests clear this cache after changing the environment."""
    return Settings()
