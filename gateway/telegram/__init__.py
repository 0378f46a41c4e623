"""Telegram gateway: Telegram updates in, Rasa REST replies out, notification outbox pushed to chats."""
