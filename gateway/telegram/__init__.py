"""The Telegram adapter of the chat gateway (gateway.core does the rest): updates in, replies and pushes out."""
