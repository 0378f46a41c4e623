"""The notification outbox: messages waiting for a channel (the Zalo and Telegram gateways, the web widget) to deliver them."""
