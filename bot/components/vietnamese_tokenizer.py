"""Whitespace tokenizer over accent-folded, abbreviation-expanded text, so 'bang tn' and 'bằng tốt nghiệp' match."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from textnorm import normalize


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(WhitespaceTokenizer):
    """Tokenizes the normalised form of the user's text; other attributes are tokenized as usual."""

    @staticmethod
    def not_supported_languages() -> list[str] | None:
        """Vietnamese only; no language is excluded."""
        return None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        """Create the component (the recipe calls this)."""
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenize TEXT after normalisation; fall back to a placeholder token for emoji-only input."""
        if attribute != TEXT:
            return super().tokenize(message, attribute)
        normalized = normalize(message.get(TEXT) or "")
        words = normalized.split() or ["__empty__"]
        text = " ".join(words)
        return self._apply_token_pattern(self._convert_words_to_tokens(words, text))
