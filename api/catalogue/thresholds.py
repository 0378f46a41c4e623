"""The only thresholds of the assistant's understanding, in one place (read by resolve.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """The only thresholds of the assistant's understanding (scores are 0..1, see search.SearchIndex)."""

    answer: float = 0.8  # the best match answers from this score...
    gap: float = 0.05  # ...when the next one is at least this far behind (else: offer the close ones)
    clear_answer: float = 0.8  # ...or from this lower score when the next one is `clear_gap` behind
    clear_gap: float = 0.2
    topic_gap: float = 0.1  # a procedure this close to its own subject's topic, naming more words, is meant instead
    explained_answer: float = 0.65  # ...or from this score when the best one's names hold every word of the message
    choose: float = 0.4  # below that, from this score the best ones are offered as choices
    sure_choice: float = 0.65  # a choice whose best one scores less is weak: the staff are offered beside it
    intent_confidence: float = 0.5  # the classifier's aspect counts from this confidence
    organization_penalty: float = 0.1  # organisation-facing procedures rank below citizen ones
    scope_penalty: float = 0.2  # an entry whose names miss a word of another field the message holds (aspects.yml)
    abolished_penalty: float = 0.1  # an abolished procedure with no successor ranks below what is in force
    full_text_share: float = 0.25  # share of a score from BM25 over the entry's whole text (fulltext.py)
    general_question_words: int = 4  # an aspect asked with no procedure gets its general topic in a short message
    focus_check_words: int = 3  # a follow-up with this many words of its own beyond the aspect...
    focus_fit: float = 0.5  # ...answers about the focus only when the focus's text holds this share of them
    unknown_words_not_found: int = 3  # this many words the catalogue does not know: a question about something else
    max_candidates: int = 3
    max_aspects: int = 3  # a procedure answer covers at most this many aspects named in one message


THRESHOLDS = Thresholds()
