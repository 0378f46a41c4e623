"""Custom Rasa NLU components for Vietnamese, and a Rasa speed-up installed when the pipeline loads."""

from bot.components.rasa_speedups import install as _install_speedups
from textnorm.privacy import install_log_masking

_install_speedups()
install_log_masking()  # Rasa loads these components with any tracker store: its logs are masked either way
