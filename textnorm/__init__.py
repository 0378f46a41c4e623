"""Vietnamese text normalisation shared by the NLU pipeline (Rasa env) and the catalogue search (API env)."""

from textnorm.channels import channel_of
from textnorm.normalize import expand_abbreviations, fold, normalize

__all__ = ["channel_of", "expand_abbreviations", "fold", "normalize"]
