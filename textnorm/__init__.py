"""Vietnamese text normalisation shared by the NLU pipeline (Rasa env) and the catalogue search (API env)."""

from textnorm.normalize import expand_abbreviations, fold, normalize

__all__ = ["expand_abbreviations", "fold", "normalize"]
