"""What every chat gateway shares: the link to Rasa, rendering, the per-chat rate limit and the notification outbox."""
