"""Custom Rasa actions: they turn the catalogue API's answers into replies (one module per concern)."""

from textnorm.privacy import install_log_masking

install_log_masking()  # phone numbers, CCCD and e-mails never reach the action server's logs
