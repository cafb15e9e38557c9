"""`portkit info`: where a project came from and whether its template has moved on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from portkit import provenance
from portkit.catalog import Catalog
from portkit.errors import PortkitError
from portkit.models import Provenance


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
    return catalog.recorded_source(record, project).version(project)
