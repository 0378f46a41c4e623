"""Gateway settings from the environment (names shared with the rest of the stack, so no prefix)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    """Everything the Telegram gateway needs; secrets come from the environment only."""

    model_config = SettingsConfigDict(env_prefix="", env_file=None, extra="ignore")

    telegram_bot_token: str = ""
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_base_file_url: str = "https://api.telegram.org/file/bot"
    rasa_url: str = "http://127.0.0.1:5005"
    dvc_api_url: str = "http://127.0.0.1:8000"
    dvc_internal_token: str = ""
    dvc_gateway_token: str = ""  # proves the gateway to Rasa's gateway channel (bot/channels.py)
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = ""
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_rate_limit_per_minute: int = 20
    telegram_outbox_interval_seconds: float = 10.0
    telegram_rasa_timeout_seconds: float = 30.0
