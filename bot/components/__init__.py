"""Custom Rasa NLU components for Vietnamese."""
