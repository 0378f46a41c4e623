"""Channels: the Telegram gateway (its own process) and the website widget (static files the API serves)."""
