"""The notification outbox: messages waiting for a channel (Telegram gateway, web widget) to deliver them."""
