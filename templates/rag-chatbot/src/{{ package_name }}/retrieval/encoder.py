"""A sentence encoder in plain numpy: the BERT forward pass of all-MiniLM-L6-v2, no torch.

Why hand-written: torch (even its CPU build, ~750 MB) would be most of the install, and no
well-kept package ships an ONNX graph of this model (exporting one needs torch). The model is
small (6 layers, 384 wide), so its forward pass is a few matrix products that numpy's BLAS runs
well: embeddings, 6 x (self-attention, LayerNorm, GELU feed-forward, LayerNorm), mean pooling
over the real tokens, L2 normalisation, as sentence-transformers does. `tokenizers` splits the
text exactly as the model was trained; `safetensors` reads the weights into numpy arrays.
The project's tests compare its embeddings with ones computed by sentence-transformers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

# The tokens one text may have (sentence_bert_config.json overrides it, as in the library).
DEFAULT_MAX_TOKENS = 256
# Padded tokens per forward pass: larger batches spill the attention scores and feed-forward
# activations out of the CPU caches and got slower (measured: ~8 chunks of ~120 tokens is best).
BATCH_TOKENS = 1024


def _layer_norm(x: Any, weight: Any, bias: Any, eps: float) -> Any:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = np.mean(centred * centred, axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


def _gelu(x: Any) -> Any:
    """BERT's exact GELU, x * Phi(x), in place where it can (the tanh approximation drifts)."""
    from scipy.special import erf

    phi = x * np.float32(1 / np.sqrt(2))
    erf(phi, out=phi)
    phi += 1.0
    phi *= x
    phi *= 0.5
    return phi


class _Layer:
    """One transformer layer's weights, arranged for row-major products (x @ w)."""

    def __init__(self, w: dict[str, Any], prefix: str) -> None:
        def get(name: str) -> Any:
            return w[f"{prefix}.{name}"]

        attention = f"{prefix}.attention.self"
        # Query, key and value in one product: one large matrix multiply beats three small ones.
        self.qkv = np.concatenate(
            [w[f"{attention}.{part}.weight"].T for part in ("query", "key", "value")], axis=1
        )
        self.qkv_bias = np.concatenate(
            [w[f"{attention}.{part}.bias"] for part in ("query", "key", "value")]
        )
        self.out = np.ascontiguousarray(get("attention.output.dense.weight").T)
        self.out_bias = get("attention.output.dense.bias")
        self.norm1 = (
            get("attention.output.LayerNorm.weight"),
            get("attention.output.LayerNorm.bias"),
        )
        self.up = np.ascontiguousarray(get("intermediate.dense.weight").T)
        self.up_bias = get("intermediate.dense.bias")
        self.down = np.ascontiguousarray(get("output.dense.weight").T)
        self.down_bias = get("output.dense.bias")
        self.norm2 = (get("output.LayerNorm.weight"), get("output.LayerNorm.bias"))


class BertEncoder:
    """Embeds texts like SentenceTransformer(model).encode(..., normalize_embeddings=True)."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        _check_architecture(folder, config)
        weights = {
            key.removeprefix("bert."): value
            for key, value in load_file(str(folder / "model.safetensors")).items()
        }
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_tokens = min(_max_tokens(folder), int(config["max_position_embeddings"]))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens)
        self.words = weights["embeddings.word_embeddings.weight"]
        self.positions = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.norm = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        self.layers = [
            _Layer(weights, f"encoder.layer.{i}") for i in range(int(config["num_hidden_layers"]))
        ]
        self.dim = int(config["hidden_size"])

    def encode(self, sentences: Sequence[str], batch_size: int = 32, **_: Any) -> Any:
        """One L2-normalised float32 row per sentence (extra keyword arguments are ignored)."""
        encodings = self.tokenizer.encode_batch(list(sentences), add_special_tokens=True)
        ids = [encoding.ids for encoding in encodings]
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for rows in batches([len(x) for x in ids], max(1, batch_size)):
            out[rows] = self._forward([ids[i] for i in rows])
        return out

    def _forward(self, batch: list[list[int]]) -> Any:
        """Embeddings of one batch of token id lists (padded to the longest)."""
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1.0
        x = self.words[ids] + self.positions[:length] + self.token_type
        x = _layer_norm(x, *self.norm, self.eps)
        # Padding positions get a large negative score so attention ignores them.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            x = self._layer(x, layer, bias)
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)

    def _layer(self, x: Any, layer: _Layer, bias: Any) -> Any:
        batch, length, width = x.shape
        head = width // self.heads
        qkv = (x @ layer.qkv + layer.qkv_bias).reshape(batch, length, 3, self.heads, head)
        q, k, v = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
        scores = q @ k.transpose(0, 1, 3, 2)
        scores *= np.float32(1 / np.sqrt(head))
        scores += bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
        x = _layer_norm(context @ layer.out + layer.out_bias + x, *layer.norm1, self.eps)
        hidden = _gelu(x @ layer.up + layer.up_bias)
        return _layer_norm(hidden @ layer.down + layer.down_bias + x, *layer.norm2, self.eps)


def batches(lengths: Sequence[int], size: int, tokens: int = BATCH_TOKENS) -> list[list[int]]:
    """Indices grouped shortest first, each group at most SIZE long and about TOKENS padded
    tokens: a batch pads only to lengths close to its own, so long chunks do not slow short ones.
    """
    groups: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        group = groups[-1] if groups else None
        # Sorted, so lengths[i] is the longest so far: it sets the padded size of the group.
        if group is None or len(group) >= size or (len(group) + 1) * lengths[i] > tokens:
            groups.append([i])
        else:
            group.append(i)
    return groups


class UnsupportedModelError(ValueError):
    """The model folder holds something other than a BERT encoder with mean pooling."""


def _check_architecture(folder: Path, config: dict[str, Any]) -> None:
    if config.get("model_type") != "bert":
        raise UnsupportedModelError(f"model_type is {config.get('model_type')!r}, not 'bert'")
    pooling = folder / "1_Pooling" / "config.json"
    if pooling.is_file() and not json.loads(pooling.read_text()).get("pooling_mode_mean_tokens"):
        raise UnsupportedModelError("its pooling is not mean pooling")


def _max_tokens(folder: Path) -> int:
    config = folder / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text()).get("max_seq_length", DEFAULT_MAX_TOKENS))
    return DEFAULT_MAX_TOKENS
