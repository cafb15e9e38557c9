"""One object per kind of template source, deciding its recorded id, its version and its fetch.

`list`, `info`, `new` and `update` ask these objects instead of switching on `SourceKind`, so the
rule for each kind is written once (copier's `Template` owns its source the same way).

The version rule, one per kind:
- built-in: the version of the portkit that ships it;
- git: the tag (or, without one, the commit id) it was fetched at; newest = newest version tag;
- local folder and collection: `sha256:` plus a digest of the folder's files, so two different
  contents never share a version and a changed folder is seen as a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from portkit import fetch
from portkit._version import __version__
from portkit.models import FetchedTemplate, Provenance, SourceKind, TemplateRef

__all__ = [
    "BuiltinSource",
    "CollectionSource",
    "FolderSource",
    "GitSource",
    "TemplateSource",
    "source_for",
]


class TemplateSource(Protocol):
    """What portkit asks of a template source, whatever its kind."""

    @property
    def ref(self) -> TemplateRef:
        """The resolved reference: kind, name as given, location."""

    def record_id(self, project: Path) -> str:
        """How `.portkit.yml` names the template so it is found again from PROJECT."""

    def version(self, cwd: Path) -> str:
        """The newest version available now: what `new` would record, `update` move to."""

    def fetch(self, workdir: Path, vcs_ref: str | None = None) -> FetchedTemplate:
        """The template as a plain folder (under WORKDIR, or in place for local folders)."""

    def can_rebuild(self, record: Provenance) -> bool:
        """Whether the version RECORD names can still be rendered (to rebuild a lost base)."""


@dataclass(frozen=True)
class BuiltinSource:
    """A template shipped inside portkit, assembled from `_shared/` plus its own folder."""

    ref: TemplateRef

    def record_id(self, project: Path) -> str:
        """Its name: any portkit finds it again."""
        return self.ref.name

    def version(self, cwd: Path) -> str:
        """The version of the portkit that ships it."""
        return __version__

    def fetch(self, workdir: Path, vcs_ref: str | None = None) -> FetchedTemplate:
        """Assemble the shared base and the template into WORKDIR."""
        folder = fetch.assemble_builtin(Path(self.ref.location), workdir / "template")
        return fetch.describe(self.ref, folder, __version__)

    def can_rebuild(self, record: Provenance) -> bool:
        """Only this portkit's version can be rendered."""
        return record.version == __version__


@dataclass(frozen=True)
class FolderSource:
    """A plain local folder, recorded by its path relative to the project."""

    ref: TemplateRef

    def record_id(self, project: Path) -> str:
        """The folder relative to PROJECT, so the pair can move together."""
        return fetch.relative_path(Path(self.ref.location), project)

    def version(self, cwd: Path) -> str:
        """A digest of its files: a folder has no releases, only contents."""
        return "sha256:" + fetch.content_digest(Path(self.ref.location))

    def fetch(self, workdir: Path, vcs_ref: str | None = None) -> FetchedTemplate:
        """Rendered in place: nothing to copy."""
        return fetch.describe(self.ref, Path(self.ref.location), self.version(workdir))

    def can_rebuild(self, record: Provenance) -> bool:
        """Only while the folder still holds the recorded contents."""
        return self.version(Path(self.ref.location)) == record.version


@dataclass(frozen=True)
class CollectionSource(FolderSource):
    """A named folder under a `PORTKIT_TEMPLATES` collection: a local folder found by name."""

    def record_id(self, project: Path) -> str:
        """Its name: the collection is found again through `PORTKIT_TEMPLATES`."""
        return self.ref.name


@dataclass(frozen=True)
class GitSource:
    """A git repository, by URL (or forge shorthand) or as a local clone."""

    ref: TemplateRef

    def record_id(self, project: Path) -> str:
        """A URL as given; a local repository relative to PROJECT."""
        location = Path(self.ref.location)
        if not location.is_dir():
            return self.ref.name
        return fetch.relative_path(location, project)

    def version(self, cwd: Path) -> str:
        """The newest version tag on the remote, else its HEAD commit (12 digits)."""
        return fetch.newest_remote_version(self.ref.location, cwd)

    def fetch(self, workdir: Path, vcs_ref: str | None = None) -> FetchedTemplate:
        """Clone at VCS_REF (default: the newest version tag, else HEAD) without `.git`."""
        folder, version, commit = fetch.clone(self.ref.location, workdir / "template", vcs_ref)
        return fetch.describe(self.ref, folder, version, commit)

    def can_rebuild(self, record: Provenance) -> bool:
        """Any recorded commit can be fetched again."""
        return record.commit is not None


_KINDS: dict[SourceKind, type[BuiltinSource | FolderSource | GitSource]] = {
    SourceKind.BUILTIN: BuiltinSource,
    SourceKind.COLLECTION: CollectionSource,
    SourceKind.PATH: FolderSource,
    SourceKind.GIT: GitSource,
}


def source_for(ref: TemplateRef) -> TemplateSource:
    """The source object for a resolved reference."""
    return _KINDS[ref.kind](ref)
