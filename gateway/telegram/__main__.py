"""`python -m gateway.telegram`: long polling by default, webhook mode when TELEGRAM_WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import logging
import sys

from gateway.telegram.app import ALLOWED_UPDATES, build_application, run_webhook
from gateway.telegram.settings import GatewaySettings
from textnorm.privacy import install_log_masking


def main() -> int:
    """Start the gateway, or explain in one line why it does not start."""
    install_log_masking()  # what users type never reaches the logs, tracebacks included
    settings = GatewaySettings()
    if not settings.telegram_bot_token:
        print("Telegram gateway not started: set TELEGRAM_BOT_TOKEN to enable it.")
        return 0
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        print("Telegram gateway not started: webhook mode needs TELEGRAM_WEBHOOK_SECRET.", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines would print the bot token in URLs
    app = build_application(settings)
    if settings.telegram_webhook_url:
        asyncio.run(run_webhook(app, settings))
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
