"""Telegram gateway settings from the environment (the shared ones come from the core)."""

from __future__ import annotations

from gateway.core.settings import CoreSettings


class GatewaySettings(CoreSettings):
    """Everything the Telegram gateway needs; secrets come from the environment only."""

    telegram_bot_token: str = ""
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_base_file_url: str = "https://api.telegram.org/file/bot"
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = ""
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_rate_limit_per_minute: int = 20
    telegram_outbox_interval_seconds: float = 10.0
    telegram_rasa_timeout_seconds: float = 30.0
