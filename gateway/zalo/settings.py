"""Zalo gateway settings from the environment (the shared ones come from the core)."""

from __future__ import annotations

from gateway.core.settings import CoreSettings


class ZaloSettings(CoreSettings):
    """Everything the Zalo gateway needs; the token comes from the environment only."""

    zalo_bot_token: str = ""
    zalo_api_base_url: str = "https://bot-api.zaloplatforms.com/bot"  # `<base><token>/<method>`, like Telegram's
    zalo_webhook_url: str = ""
    zalo_webhook_secret: str = ""
    zalo_webhook_listen: str = "127.0.0.1"
    zalo_webhook_port: int = 8444
    zalo_poll_timeout_seconds: int = 30
    zalo_rate_limit_per_minute: int = 20
    zalo_outbox_interval_seconds: float = 10.0
    zalo_rasa_timeout_seconds: float = 30.0
