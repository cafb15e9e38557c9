"""How templates are materialised as plain local folders an engine can render.

The mechanics behind `portkit.sources`: built-in templates are assembled from the shared base plus
their own folder; git templates are cloned at the requested ref (default: the newest version tag,
else the default branch head) and exported without `.git`, so every engine always renders a plain
folder and nothing clones twice.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from portkit import git, metadata
from portkit.errors import TemplateError
from portkit.models import Engine, FetchedTemplate, TemplateRef

#: The folder of the built-in templates that holds their shared parts, not a template itself.
SHARED_DIR = "_shared"


def describe(
    ref: TemplateRef, folder: Path, version: str, commit: str | None = None
) -> FetchedTemplate:
    """Read FOLDER's configuration once: engine, questions, description."""
    engine = metadata.detect_engine(folder)
    if engine is None:
        raise TemplateError(
            f"'{ref.name}' is not a template: no copier.yml, copier.yaml or cookiecutter.json.",
        )
    config = metadata.read_config(folder, engine)
    return FetchedTemplate(
        ref=ref,
        folder=folder,
        engine=engine,
        version=version,
        commit=commit,
        questions=metadata.questions(config, engine),
        description=metadata.description(config, folder),
        config=config,
    )


def assemble_builtin(template: Path, target: Path) -> Path:
    """Overlay the shared base and one built-in template into TARGET; merge their copier.yml."""
    shared = template.parent / SHARED_DIR
    target.mkdir(parents=True)
    for layer in (shared, template):
        if layer.is_dir():
            shutil.copytree(layer, target, dirs_exist_ok=True, ignore=_ignore_own_config)
    merged: dict[str, Any] = {}
    for layer in (shared, template):
        if (layer / "copier.yml").is_file():
            _merge_config(merged, metadata.read_config(layer, Engine.COPIER))
    (target / "copier.yml").write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
    return target


def content_digest(folder: Path) -> str:
    """A short digest of a folder's files (names and bytes): tells local template versions apart."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and ".git" not in relative.parts:
            digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def _ignore_own_config(directory: str, names: list[str]) -> set[str]:
    return {name for name in names if name in ("copier.yml", "copier.yaml", "__pycache__")}


def _merge_config(merged: dict[str, Any], layer: dict[str, Any]) -> None:
    """Later layers override questions; list and mapping settings add up key by key.

    So `_exclude` patterns and `_portkit_file_answers` of `_shared/` and a template combine.
    """
    for key, value in layer.items():
        if key.startswith("_") and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = merged[key] + [item for item in value if item not in merged[key]]
        elif key.startswith("_") and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value


def clone(url: str, target: Path, vcs_ref: str | None) -> tuple[Path, str, str]:
    """Clone URL, check out VCS_REF or the newest version tag, drop `.git`; return version."""
    run_in = target.parent
    run_in.mkdir(parents=True, exist_ok=True)
    result = git.run(["clone", "--quiet", "--no-checkout", url, str(target)], run_in, check=False)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise TemplateError(
            f"Cannot fetch template {url}: {detail[-1] if detail else 'git clone failed'}",
            "Check the URL and your network, or use a local folder.",
        )
    ref = (
        vcs_ref or newest_version_tag(git.output(["tag", "--list"], target).splitlines()) or "HEAD"
    )
    resolved = git.run(
        ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], target, check=False
    )
    if resolved.returncode != 0:
        raise TemplateError(
            f"Template {url} has no ref '{ref}'.", "List its tags with `git ls-remote --tags`."
        )
    commit = resolved.stdout.strip()
    git.run(["checkout", "--quiet", "--detach", commit], target)
    exact_tag = git.run(["describe", "--tags", "--exact-match", commit], target, check=False)
    version = exact_tag.stdout.strip() if exact_tag.returncode == 0 else commit[:12]
    shutil.rmtree(target / ".git")
    return target, version, commit


def newest_version_tag(tags: list[str]) -> str | None:
    """The highest tag that parses as a (PEP 440) version; `v1.2` and `1.2` both count."""
    from packaging.version import InvalidVersion, Version

    versions = []
    for tag in tags:
        try:
            parsed = Version(tag.removeprefix("v"))
        except InvalidVersion:
            continue
        if not parsed.is_prerelease:
            versions.append((parsed, tag))
    return max(versions)[1] if versions else None


def newest_remote_version(url: str, cwd: Path) -> str:
    """The newest version tag URL offers, else its HEAD commit (12 digits), from `ls-remote`."""
    refs = git.output(["ls-remote", "--tags", "--refs", url], cwd).splitlines()
    tags = [line.split("refs/tags/", 1)[1] for line in refs if "refs/tags/" in line]
    newest = newest_version_tag(tags)
    if newest:
        return newest
    head = git.output(["ls-remote", url, "HEAD"], cwd).split()
    return head[0][:12] if head else "unknown"


def relative_path(target: Path, project: Path) -> str:
    """TARGET relative to PROJECT (POSIX), so a project and its template folder move together."""
    try:
        return Path(os.path.relpath(target.resolve(), project.resolve())).as_posix()
    except ValueError:  # another drive on Windows: nothing relative exists
        return target.resolve().as_posix()
