"""Custom Rasa actions: they turn the catalogue API's answers into replies (one module per concern)."""
