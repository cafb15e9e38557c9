"""BM25, the default retriever: embedded, offline, no model (bm25s sparse matrices)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..analysis import index_terms
from ..chunking import Chunk
from .base import Hit, IndexMissingError, top_k_indices


def _bm25s() -> Any:
    """Import bm25s, keeping its debug messages (it sets DEBUG on import) out of the output."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


HEADING_WEIGHT = 0.5  # a heading match counts half a body match (measured: README)


class _Field:
    """One bm25s index over one text field of every chunk."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.vocab: dict[str, int] = model.vocab_dict
        indptr = model.scores["indptr"]  # CSC matrix: a term's column holds its chunks
        self.df = indptr[1:] - indptr[:-1]
        self.docs = int(model.scores["num_docs"])

    @classmethod
    def build(cls, texts: Sequence[str], language: str, k1: float, b: float) -> _Field:
        bm25s = _bm25s()
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in index_terms(x, language)] for x in texts]
        model = bm25s.BM25(k1=k1, b=b)
        model.index((ids, vocab), show_progress=False)
        return cls(model)

    def scores(self, terms: Sequence[str]) -> Any:
        ids = sorted({self.vocab[t] for t in terms if t in self.vocab})
        return self.model.get_scores_from_ids(ids) if ids else None

    def reference(self, terms: Sequence[str]) -> float:
        """What a chunk of average length holding each of TERMS once scores here: the sum of
        their idf (Lucene's formula, as bm25s); a term no chunk has counts with the idf of a
        term in no chunk, so unknown words lower the normalised score."""
        import math

        total = 0.0
        for term in set(terms):
            df = int(self.df[self.vocab[term]]) if term in self.vocab else 0
            total += math.log(1 + (self.docs - df + 0.5) / (df + 0.5))
        return total


class BM25Retriever:
    """Lexical BM25 (bm25s, sparse matrices): no model, milliseconds per query at 100k chunks.

    Two fields: the chunk's text, and its document title with its section headings (short,
    so a match there says "this section is about it"); score = text + HEADING_WEIGHT x heading.
    The score is divided by the text field's reference score for the query (`_Field.reference`:
    1.0 is every query word once in a chunk of average length), so it reads as "how much of the
    query the chunk covers" and is comparable across queries: the no-answer threshold
    (`calibration.py`) relies on it. Ranking is unchanged by it.
    """

    name = "bm25"
    folder_name = "bm25"
    headings_folder = "bm25-headings"

    def __init__(
        self, text: _Field, headings: _Field, chunks: Sequence[Chunk], language: str
    ) -> None:
        self._text, self._headings = text, headings
        self._chunks = chunks
        self._language = language

    @classmethod
    def build(cls, chunks: Sequence[Chunk], index_dir: Path, language: str) -> BM25Retriever:
        """Index CHUNKS and save the index under INDEX_DIR."""
        text = _Field.build([c.text for c in chunks], language, k1=1.5, b=0.75)
        headings = _Field.build([f"{c.title}\n{c.section}" for c in chunks], language, 1.2, 0.3)
        text.model.save(str(index_dir / cls.folder_name), show_progress=False)
        headings.model.save(str(index_dir / cls.headings_folder), show_progress=False)
        return cls(text, headings, chunks, language)

    @classmethod
    def load(cls, chunks: Sequence[Chunk], index_dir: Path, language: str) -> BM25Retriever:
        """Open the index saved by `build`."""
        bm25s = _bm25s()
        fields = []
        for name in (cls.folder_name, cls.headings_folder):
            folder = index_dir / name
            if not (folder / "params.index.json").is_file():
                raise IndexMissingError(f"No BM25 index in {folder}")
            fields.append(_Field(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)))
        return cls(fields[0], fields[1], chunks, language)

    def search(self, query: str, k: int) -> list[Hit]:
        """The K best chunks for QUERY; scores normalised per query (class docstring)."""
        terms = index_terms(query, self._language)
        text, headings = self._text.scores(terms), self._headings.scores(terms)
        if text is None and headings is None:
            return []
        scores = (
            text
            if headings is None
            else (headings * HEADING_WEIGHT if text is None else text + headings * HEADING_WEIGHT)
        )
        reference = self._text.reference(terms) or 1.0
        return [
            Hit(self._chunks[i], float(scores[i]) / reference) for i in top_k_indices(scores, k)
        ]


class PlainBM25Retriever:
    """The baseline `make eval` scores beside the configured retriever: bm25s as it comes (its
    own tokenizer: lower case, words of 2+ characters; no stemming, no stop words), over the
    chunk text only (no title or section), in memory."""

    name = "bm25s"

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        bm25s = _bm25s()
        self._chunks = chunks
        self._model = bm25s.BM25()
        self._model.index(
            bm25s.tokenize([c.text for c in chunks], stopwords=None, show_progress=False),
            show_progress=False,
        )

    def search(self, query: str, k: int) -> list[Hit]:
        """The K best chunks for QUERY by plain BM25 score."""
        bm25s = _bm25s()
        tokens = bm25s.tokenize([query], stopwords=None, show_progress=False)
        # Query words the corpus lacks map to no known id: ask with the known ones only.
        vocab = {i: w for w, i in tokens.vocab.items()}
        known = [
            self._model.vocab_dict[vocab[i]]
            for i in tokens.ids[0]
            if vocab[i] in self._model.vocab_dict
        ]
        if not known:
            return []
        scores = self._model.get_scores_from_ids(sorted(set(known)))
        return [Hit(self._chunks[i], float(scores[i])) for i in top_k_indices(scores, k)]
