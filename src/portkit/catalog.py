"""Which templates exist and what a TEMPLATE argument refers to.

Built-in templates ship inside the package; `PORTKIT_TEMPLATES` (an `os.pathsep` list of folders)
adds collections of named templates. A name found in a collection shadows a built-in of the
same name, so a team can ship its own fork.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from portkit import metadata
from portkit.errors import TemplateNotFoundError
from portkit.fetch import SHARED_DIR as SHARED_DIR
from portkit.models import Provenance, SourceKind, TemplateInfo, TemplateRef
from portkit.sources import TemplateSource, source_for

_GIT_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|gh:|gl:)", re.IGNORECASE)


def builtin_root() -> Path:
    """Inside a wheel the templates sit in the package; in a source checkout, beside `src/`."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def expand_git_shorthand(url: str) -> str:
    """`gh:owner/repo` and `gl:owner/repo` are the shorthands copier and cookiecutter accept."""
    for prefix, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if url.startswith(prefix):
            return host + url[len(prefix) :].removesuffix(".git") + ".git"
    return url


def looks_like_git_url(text: str) -> bool:
    """A URL scheme, scp-style `git@host:` or a forge shorthand."""
    return bool(_GIT_URL.match(text))


@dataclass
class Catalog:
    """The built-in templates plus any collections, looked up by name."""

    builtin: Path = field(default_factory=builtin_root)
    collections: list[Path] = field(default_factory=list)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Catalog:
        """Read `PORTKIT_TEMPLATES`; empty entries are ignored."""
        env = os.environ if environ is None else environ
        raw = env.get("PORTKIT_TEMPLATES", "")
        return cls(collections=[Path(p).expanduser() for p in raw.split(os.pathsep) if p])

    def entries(self) -> list[TemplateInfo]:
        """Every named template, collections first so that shadowing is visible."""
        found: dict[str, TemplateInfo] = {}
        for root in self.collections:
            for folder in _template_folders(root):
                if folder.name not in found:
                    found[folder.name] = _info(folder, SourceKind.COLLECTION)
        for folder in _template_folders(self.builtin):
            if folder.name in found:
                shadowing = found[folder.name]
                found[folder.name] = TemplateInfo(**{**shadowing.__dict__, "shadows_builtin": True})
            else:
                found[folder.name] = _info(folder, SourceKind.BUILTIN)
        return sorted(found.values(), key=lambda info: info.name)

    def source(self, template: str, cwd: Path) -> TemplateSource:
        """The source a TEMPLATE argument names (see `resolve`)."""
        return source_for(self.resolve(template, cwd))

    def recorded_source(self, record: Provenance, project: Path) -> TemplateSource:
        """The source a project's `.portkit.yml` names, found again from PROJECT."""
        return source_for(locate(self, record.template, record.source, project))

    def find(self, name: str) -> TemplateInfo | None:
        """The named template, or None."""
        return next((info for info in self.entries() if info.name == name), None)

    def resolve(self, template: str, cwd: Path) -> TemplateRef:
        """Turn a TEMPLATE argument into a reference; raise with suggestions when it is unknown."""
        if looks_like_git_url(template):
            return TemplateRef(SourceKind.GIT, template, expand_git_shorthand(template))
        named = None if _looks_like_path(template) else self.find(template)
        if named is not None:
            return TemplateRef(named.kind, named.name, str(named.path))
        folder = (cwd / template).expanduser()
        if folder.is_dir():
            kind = SourceKind.GIT if (folder / ".git").exists() else SourceKind.PATH
            return TemplateRef(kind, template, str(folder.resolve()))
        names = [info.name for info in self.entries()]
        close = difflib.get_close_matches(template, names, n=1, cutoff=0.5)
        raise TemplateNotFoundError(template, names, close[0] if close else None)


def _looks_like_path(text: str) -> bool:
    return text.startswith((".", "~", "/")) or os.sep in text or "/" in text


def _template_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        child
        for child in root.iterdir()
        if child.is_dir()
        and not child.name.startswith((".", "_"))
        and metadata.detect_engine(child) is not None
    )


def _info(folder: Path, kind: SourceKind) -> TemplateInfo:
    """One listing line; the version is the one `portkit new` would record."""
    engine = metadata.detect_engine(folder)
    assert engine is not None  # _template_folders only yields folders with an engine
    config = metadata.read_config(folder, engine)
    return TemplateInfo(
        name=folder.name,
        description=metadata.description(config, folder),
        version=source_for(TemplateRef(kind, folder.name, str(folder))).version(folder),
        kind=kind,
        engine=engine,
        path=folder,
    )


def locate(catalog: Catalog, template: str, kind: SourceKind, project: Path) -> TemplateRef:
    """Find a recorded template again: by name, by URL, or by a path relative to the project."""
    if kind in (SourceKind.BUILTIN, SourceKind.COLLECTION):
        roots = catalog.collections if kind is SourceKind.COLLECTION else [catalog.builtin]
        for root in roots:
            if (root / template).is_dir():
                return TemplateRef(kind, template, str(root / template))
        names = [info.name for info in catalog.entries()]
        raise TemplateNotFoundError(template, names, None)
    if kind is SourceKind.GIT and looks_like_git_url(template):
        return TemplateRef(kind, template, expand_git_shorthand(template))
    folder = (project / template).resolve()
    if not folder.is_dir():
        raise TemplateNotFoundError(template, [], None)
    return TemplateRef(kind, template, str(folder))
