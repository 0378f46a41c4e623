"""`python -m gateway.zalo`: long polling by default, webhook mode when ZALO_WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from gateway.zalo.app import run
from gateway.zalo.settings import ZaloSettings
from textnorm.privacy import install_log_masking


def main() -> int:
    """Start the gateway, or explain in one line why it does not start."""
    install_log_masking()  # what users type never reaches the logs, tracebacks included
    settings = ZaloSettings()
    if not settings.zalo_bot_token:
        print("Zalo gateway not started: set ZALO_BOT_TOKEN to enable it.")
        return 0
    if settings.zalo_webhook_url and not settings.zalo_webhook_secret:
        print("Zalo gateway not started: webhook mode needs ZALO_WEBHOOK_SECRET.", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines would print the bot token in URLs
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
