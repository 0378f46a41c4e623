"""Speed-ups 12-14 of rasa_speedups.py: per-message overhead found by a CPU-time profile of Rasa under load.

12. Each parsed message checks that the domain is not empty by comparing its dict with a new empty Domain's,
    built from scratch every time (~2% of Rasa's CPU): the empty domain's dict is now built once.
13. TensorFlow imports jax, which hooks a call into XLA on every garbage collection (~2% of Rasa's CPU); nothing in
    the served model runs on XLA, so there are no XLA buffers to free and the hook is dropped.
14. The intent classifier's input (8 in rasa_speedups.py) was a chain of SciPy stacks per message (deep copy, COO
    stack, CSR conversions, a stack with an empty dense block, a vertical stack, ~4% of Rasa's CPU): the same CSR
    matrix, float64 and canonical, is now built at once from the featurizers' sentence rows.
Installed by rasa_speedups.install(); tests/test_speedups.py checks each against the original.
"""

from __future__ import annotations

import gc
from typing import Any

_empty_domain: dict[str, Any] = {}  # Domain.empty().as_dict(), built on first use
original_is_empty: Any = None  # Domain.is_empty before install(), for the tests
slow_sentence_matrix: Any = None  # the classifier's _create_X before this module's, for the fallback and the tests


def domain_is_empty(self: Any) -> bool:
    """Domain.is_empty comparing with the empty domain's dict built once (a dict equal to a new one each time)."""
    if not _empty_domain:
        from rasa.shared.core.domain import Domain

        _empty_domain.update(Domain.empty().as_dict())
    return bool(self.as_dict() == _empty_domain)


def drop_xla_gc_hook() -> bool:
    """Remove jax's garbage-collection callback (it frees XLA buffers, and nothing here makes any)."""
    hooks = [hook for hook in gc.callbacks if getattr(hook, "__qualname__", "") == "_xla_gc_callback"]
    for hook in hooks:
        gc.callbacks.remove(hook)
    return bool(hooks)


def sentence_matrix(self: Any, messages: Any) -> Any:
    """The classifier's _create_X for messages whose text has sparse sentence rows only: one CSR build."""
    import numpy
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
    from scipy.sparse import csr_matrix

    rows: list[list[Any]] = []
    for message in messages:
        blocks = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
        if not blocks or not all(f.is_sparse() and f.features.format == "coo" and f.features.shape[0] == 1 for f in blocks):
            return slow_sentence_matrix(self, messages)  # dense features, no features or an odd shape
        rows.append([f.features for f in blocks])
    widths = [block.shape[1] for block in rows[0]]
    if any([block.shape[1] for block in row] != widths for row in rows):
        return slow_sentence_matrix(self, messages)  # the general path raises the same error as before
    offsets = numpy.cumsum([0, *widths[:-1]])
    data = [block.data for row in rows for block in row]
    columns = [block.col + offset for row in rows for block, offset in zip(row, offsets, strict=True)]
    indptr = numpy.cumsum([0] + [sum(block.nnz for block in row) for row in rows])
    matrix = csr_matrix(
        (
            numpy.concatenate(data).astype(numpy.float64) if data else numpy.zeros(0),
            numpy.concatenate(columns).astype(numpy.int32) if columns else numpy.zeros(0, numpy.int32),
            indptr.astype(numpy.int32),
        ),
        shape=(len(rows), sum(widths)),
    )
    matrix.sum_duplicates()  # what the original's COO → CSR conversion does: sorted, duplicates summed
    return matrix


def install() -> None:
    """Install the speed-ups (called once by rasa_speedups.install())."""
    global original_is_empty, slow_sentence_matrix
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier as Classifier
    from rasa.shared.core.domain import Domain

    original_is_empty = Domain.is_empty
    Domain.is_empty = domain_is_empty  # type: ignore[method-assign]
    slow_sentence_matrix = Classifier._create_X
    Classifier._create_X = sentence_matrix  # type: ignore[method-assign]
    drop_xla_gc_hook()
