"""A small DAG of stages with a content-hash cache: a stage re-runs only when its code, its params
or its inputs changed, or when one of its outputs is missing or was edited by hand.

Each stage's fingerprint is a SHA-256 over its own source files, the params sections it reads
and the bytes of every input file (the outputs of the stages it needs, plus extra inputs such as
the data file). The fingerprint and the hashes of the outputs are stored in
`artifacts/.cache/<stage>.json` after the stage succeeds; a failed stage stores nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CACHE_DIR = "artifacts/.cache"


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline, declared once: what it reads, what it writes, what it depends on."""

    name: str
    needs: tuple[str, ...]
    params: tuple[str, ...]
    outputs: tuple[str, ...]
    code: tuple[str, ...]
    extra_inputs: Callable[[Any, Path], list[Path]] | None = None
    tracked: bool = False  # reads or writes the tracking server: its URI is part of the key


@dataclass
class Outcome:
    """What a stage reports back: metrics and tags to log, and one line for the terminal."""

    summary: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


class Dag:
    """Stages in declaration order (which must already be a topological order)."""

    def __init__(self, stages: Iterable[Stage]) -> None:
        self.stages = tuple(stages)
        self.by_name = {stage.name: stage for stage in self.stages}
        seen: set[str] = set()
        for stage in self.stages:
            missing = [need for need in stage.needs if need not in seen]
            if missing:
                raise ValueError(f"stage {stage.name} needs {missing} declared before it")
            seen.add(stage.name)

    def plan(self, target: str | None = None) -> list[Stage]:
        """TARGET and every stage it needs (all stages when TARGET is None), in run order."""
        if target is None:
            return list(self.stages)
        wanted: set[str] = set()
        pending = [target]
        while pending:
            name = pending.pop()
            if name not in wanted:
                wanted.add(name)
                pending.extend(self.by_name[name].needs)
        return [stage for stage in self.stages if stage.name in wanted]

    def inputs(self, stage: Stage, params: Any, root: Path) -> list[Path]:
        """The files STAGE reads: its needs' outputs plus its extra inputs."""
        paths = [root / out for need in stage.needs for out in self.by_name[need].outputs]
        if stage.extra_inputs is not None:
            paths.extend(stage.extra_inputs(params, root))
        return paths


def hash_path(path: Path) -> str:
    """SHA-256 of a file's bytes, or of every file under a folder (names included)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


class Cache:
    """Fingerprints of the last successful run of each stage."""

    def __init__(self, root: Path, code_dir: Path) -> None:
        self.root = root
        self.code_dir = code_dir
        self.folder = root / CACHE_DIR

    def key(self, stage: Stage, params_part: dict[str, Any], inputs: list[Path], extra: str) -> str:
        """The fingerprint of STAGE for these params, inputs and extra text."""
        digest = hashlib.sha256(stage.name.encode())
        for name in stage.code:
            digest.update(name.encode() + b"\0" + (self.code_dir / name).read_bytes())
        digest.update(json.dumps(params_part, sort_keys=True, default=str).encode())
        for path in inputs:
            state = hash_path(path) if path.exists() else "missing"
            digest.update(f"{path.name}\0{state}\0".encode())
        digest.update(extra.encode())
        return digest.hexdigest()

    def is_fresh(self, stage: Stage, key: str) -> bool:
        """True when STAGE last succeeded with KEY and its outputs are still what it wrote."""
        stamp = self.folder / f"{stage.name}.json"
        if not stamp.is_file():
            return False
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        if recorded.get("key") != key:
            return False
        for out, expected in recorded.get("outputs", {}).items():
            path = self.root / out
            if not path.exists() or hash_path(path) != expected:
                return False
        return True

    def store(self, stage: Stage, key: str) -> None:
        """Record that STAGE succeeded with KEY and what its outputs now hold."""
        self.folder.mkdir(parents=True, exist_ok=True)
        outputs = {out: hash_path(self.root / out) for out in stage.outputs}
        stamp = {"key": key, "outputs": outputs}
        (self.folder / f"{stage.name}.json").write_text(json.dumps(stamp, indent=2) + "\n")

    def forget(self, stage: Stage) -> None:
        """Drop STAGE's record so it runs next time."""
        (self.folder / f"{stage.name}.json").unlink(missing_ok=True)
