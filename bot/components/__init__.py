"""Custom Rasa NLU components for Vietnamese, and a Rasa speed-up installed when the pipeline loads."""

from bot.components.rasa_speedups import install as _install_speedups

_install_speedups()
