"""`portkit info`: where a project came from and whether its template has moved on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from portkit import git, provenance
from portkit._version import __version__
from portkit.catalog import Catalog, locate
from portkit.errors import PortkitError
from portkit.fetch import content_digest, newest_version_tag
from portkit.models import Provenance, SourceKind


@dataclass(frozen=True)
class ProjectInfo:
    """The recorded provenance plus what is available now."""

    project: Path
    provenance: Provenance
    latest: str | None  # None when it could not be determined (offline, template gone)
    latest_note: str = ""

    @property
    def update_available(self) -> bool:
        """True when the newest available version differs from the recorded one."""
        return self.latest is not None and self.latest != self.provenance.version


def project_info(project: Path, catalog: Catalog) -> ProjectInfo:
    """Read `.portkit.yml` under PROJECT and look up the newest template version."""
    record = provenance.read(project)
    try:
        latest = latest_version(record, project, catalog)
    except PortkitError as error:
        return ProjectInfo(project, record, None, error.message)
    return ProjectInfo(project, record, latest)


def latest_version(record: Provenance, project: Path, catalog: Catalog) -> str:
    """The version `portkit update` would move to without `--to`."""
    ref = locate(catalog, record.template, record.source, project)
    if record.source is SourceKind.BUILTIN:
        return __version__
    if record.source is SourceKind.GIT:
        return _newest_remote_version(ref.location, project)
    return "sha256:" + content_digest(Path(ref.location))


def _newest_remote_version(url: str, cwd: Path) -> str:
    refs = git.output(["ls-remote", "--tags", "--refs", url], cwd).splitlines()
    tags = [line.split("refs/tags/", 1)[1] for line in refs if "refs/tags/" in line]
    newest = newest_version_tag(tags)
    if newest:
        return newest
    head = git.output(["ls-remote", url, "HEAD"], cwd).split()
    return head[0][:12] if head else "unknown"
