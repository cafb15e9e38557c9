"""A small DAG of stages with a content-hash cache: a stage re-runs only when its code, its params
or its inputs changed, or when one of its outputs is missing or was edited by hand.

Each stage's fingerprint is a SHA-256 over the code it runs (its module `steps/<stage>.py` and
every module of the package that module imports, found by `imports.py`: editing a helper re-runs
every stage that uses it), its declaration, the params sections it reads and the bytes of every
input file (the outputs of the stages it needs, plus extra inputs such as the data file). The
fingerprint and the hashes of the outputs are stored in `artifacts/.cache/<stage>.json` after the
stage succeeds; a failed stage stores nothing. Stages that read or write the tracking store also
keep there the state of the store they left behind (see `store.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .imports import ImportClosure

CACHE_DIR = "artifacts/.cache"


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline, declared once: what it reads, what it writes, what it depends on."""

    name: str
    needs: tuple[str, ...]
    params: tuple[str, ...]
    outputs: tuple[str, ...]
    extra_inputs: Callable[[Any, Path], list[Path]] | None = None
    tracked: bool = False  # reads or writes the tracking store: its state is part of freshness

    @property
    def module(self) -> str:
        """The module that runs the stage, relative to the package: `steps.<name>`."""
        return f"steps.{self.name}"

    def declaration(self) -> str:
        """What the stage is declared to need, read and write, as text for the fingerprint."""
        return json.dumps([self.name, self.needs, self.params, self.outputs])


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

    def __init__(self, root: Path, code_dir: Path, package: str) -> None:
        self.root = root
        self.code_dir = code_dir
        self.package = package
        self.closure = ImportClosure(code_dir, package)
        self.folder = root / CACHE_DIR

    def code(self, stage: Stage) -> list[Path]:
        """The package's source files STAGE runs: its module and all it imports."""
        return self.closure.files(f"{self.package}.{stage.module}")

    def key(self, stage: Stage, params_part: dict[str, Any], inputs: list[Path], extra: str) -> str:
        """The fingerprint of STAGE for its code and these params, inputs and extra text."""
        digest = hashlib.sha256(stage.declaration().encode())
        for path in self.code(stage):
            name = path.relative_to(self.code_dir).as_posix()
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
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
        if recorded.get("key") != key or set(recorded.get("outputs", {})) != set(stage.outputs):
            return False
        for out, expected in recorded["outputs"].items():
            path = self.root / out
            if not path.exists() or hash_path(path) != expected:
                return False
        return True

    def store(self, stage: Stage, key: str) -> None:
        """Record that STAGE succeeded with KEY and what its outputs now hold."""
        outputs = {out: hash_path(self.root / out) for out in stage.outputs}
        self._write(stage, {"key": key, "outputs": outputs})

    def witness(self, stage: Stage) -> dict[str, Any] | None:
        """The state of the tracking store STAGE's outputs were last known to match."""
        stamp = self.folder / f"{stage.name}.json"
        if not stamp.is_file():
            return None
        found = json.loads(stamp.read_text(encoding="utf-8")).get("store")
        return found if isinstance(found, dict) else None

    def set_witness(self, stage: Stage, state: dict[str, Any]) -> None:
        """Record STATE as the tracking store STAGE's outputs match (after a successful run)."""
        stamp = json.loads((self.folder / f"{stage.name}.json").read_text(encoding="utf-8"))
        self._write(stage, {**stamp, "store": state})

    def _write(self, stage: Stage, stamp: dict[str, Any]) -> None:
        """Write STAGE's record beside and rename it into place (never half a file)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{stage.name}.json"
        partial = target.with_suffix(".json.partial")
        partial.write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        os.replace(partial, target)

    def forget(self, stage: Stage) -> None:
        """Drop STAGE's record so it runs next time."""
        (self.folder / f"{stage.name}.json").unlink(missing_ok=True)
