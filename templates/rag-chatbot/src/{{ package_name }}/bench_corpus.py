"""The benchmark's synthetic corpus: Markdown files of one-paragraph sections whose words follow
Zipf's law over a made-up vocabulary, seeded, so every run indexes the same text."""

from __future__ import annotations

import random
from pathlib import Path

SECTIONS_PER_FILE = 100


def _vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fi", "go", "pu", "ze"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def write_corpus(folder: Path, chunks: int, seed: int = 13) -> list[list[str]]:
    """Markdown files with CHUNKS one-paragraph sections (~80 Zipf-distributed words each)."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    paragraphs: list[list[str]] = []
    folder.mkdir(parents=True, exist_ok=True)
    for file_no in range(0, chunks, SECTIONS_PER_FILE):
        lines = [f"# Synthetic document {file_no // SECTIONS_PER_FILE}", ""]
        for section in range(min(SECTIONS_PER_FILE, chunks - file_no)):
            words = rng.choices(vocab, weights, k=rng.randint(60, 100))
            paragraphs.append(words)
            lines += [f"## Part {section}", "", " ".join(words).capitalize() + ".", ""]
        (folder / f"doc{file_no // SECTIONS_PER_FILE:05d}.md").write_text("\n".join(lines))
    return paragraphs
