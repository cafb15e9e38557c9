"""Typed models at the boundaries of the core: templates, answers, requests and results."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portkit.changelog import Entry as ChangelogEntry

#: The branch that holds pristine renders; `portkit update` merges it into the user's branch.
TEMPLATE_BRANCH = "portkit/template"
#: Template layers (`portkit add`): where a layer's record is, and its branch of renders.
LAYER_RECORD = ".portkit.yml"
ROOT_RECORDS = ".portkit"  # records of layers added at the root: `.portkit/<name>.yml`
LAYER_BRANCHES = "portkit/layer/"


def holds_renders(branch: str) -> bool:
    """BRANCH is one of portkit's own branches of pristine renders (never the user's work)."""
    return branch == TEMPLATE_BRANCH or branch.startswith(LAYER_BRANCHES)


@dataclass(frozen=True)
class Layer:
    """Where one template's render lives in the project, and the branch of its renders."""

    subdir: str = ""  # POSIX path from the project root; "" for the root
    name: str = ""  # a layer at the root other than the base: its name

    @property
    def is_base(self) -> bool:
        """The project's own template (`portkit new`'s), whose record is the root `.portkit.yml`."""
        return not self.subdir and not self.name

    @property
    def record(self) -> str:
        """The record's path from the project root."""
        if self.subdir:
            return f"{self.subdir}/{LAYER_RECORD}"
        if self.name:
            return f"{ROOT_RECORDS}/{self.name}.yml"
        return LAYER_RECORD

    @property
    def branch(self) -> str:
        """The branch holding this layer's pristine renders."""
        if self.is_base:
            return TEMPLATE_BRANCH
        return LAYER_BRANCHES + (self.subdir.replace("/", "--") if self.subdir else self.name)

    @property
    def ref(self) -> str:
        """The local branch, as a full ref."""
        return "refs/heads/" + self.branch

    @property
    def remote_ref(self) -> str:
        """The branch as a fresh clone has it."""
        return "refs/remotes/origin/" + self.branch

    @property
    def label(self) -> str:
        """How messages name the layer."""
        return f"{self.subdir}/" if self.subdir else (self.name or "(root)")

    def home(self, root: Path) -> Path:
        """The folder the layer's template renders into, where relative paths it records start."""
        return root / self.subdir if self.subdir else root


BASE_LAYER = Layer()


class Engine(str, enum.Enum):
    """Which renderer understands a template folder."""

    COPIER = "copier"
    COOKIECUTTER = "cookiecutter"


class SourceKind(str, enum.Enum):
    """Where a template comes from; decides how it is recorded and found again on update."""

    BUILTIN = "builtin"  # shipped inside portkit
    COLLECTION = "collection"  # a named folder under a PORTKIT_TEMPLATES directory
    GIT = "git"  # a git URL, `gh:owner/repo`, or a local git repository
    PATH = "path"  # a plain local folder


@dataclass(frozen=True)
class TemplateRef:
    """What the user asked for, resolved to a kind and a location, not yet fetched."""

    kind: SourceKind
    name: str  # built-in/collection name, or the URL/path as the user gave it
    location: str  # absolute folder for builtin/collection/path; clone URL for git


@dataclass(frozen=True)
class TemplateInfo:
    """One line of `portkit list`."""

    name: str
    description: str
    version: str
    kind: SourceKind
    engine: Engine
    path: Path
    shadows_builtin: bool = False


@dataclass(frozen=True)
class Question:
    """The part of a template question portkit needs without rendering anything."""

    name: str
    secret: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()  # the values a choice question accepts, as `--data` takes them
    required: bool = False  # no default and always asked: only a given answer will do


@dataclass
class FetchedTemplate:
    """A template materialised as a plain local folder, ready for an engine."""

    ref: TemplateRef
    folder: Path
    engine: Engine
    version: str
    commit: str | None = None
    questions: list[Question] = field(default_factory=list)
    description: str = ""
    config: dict[str, Any] = field(default_factory=dict)  # parsed copier.yml / cookiecutter.json


@dataclass(frozen=True)
class Provenance:
    """What `.portkit.yml` records: enough to render the same template again."""

    template: str
    source: SourceKind
    engine: Engine
    version: str
    answers: dict[str, Any]
    commit: str | None = None


@dataclass(frozen=True)
class NewRequest:
    """Everything `portkit new` needs, parsed once."""

    template: str
    destination: Path
    data: dict[str, Any] = field(default_factory=dict)
    answers_file: Path | None = None
    defaults: bool = False
    interactive: bool = False
    vcs_ref: str | None = None
    git: bool = True
    trust: bool = False
    force: bool = False


@dataclass(frozen=True)
class NewResult:
    """What `portkit new` produced."""

    destination: Path
    provenance: Provenance
    git_initialised: bool
    files: int
    notes: list[str] = field(default_factory=list)  # what the user should know (copied files)


@dataclass(frozen=True)
class UpdateRequest:
    """Everything `portkit update` needs, parsed once."""

    project: Path
    to: str | None = None  # git templates: tag, branch or commit; default newest version tag
    data: dict[str, Any] = field(default_factory=dict)  # changed answers
    interactive: bool = False  # ask questions new in the target version
    commit: bool = True  # False: leave a clean merge staged
    dry_run: bool = False
    trust: bool = False
    forget_resolutions: bool = False  # delete git rerere's remembered resolutions first
    layer: Layer | None = None  # a template layer (`portkit add`); None: the project's own


class Outcome(str, enum.Enum):
    """How an update ended (conflicts are an `UpdateConflictError` instead)."""

    UP_TO_DATE = "up-to-date"
    MERGED = "merged"
    STAGED = "staged"
    PREVIEW = "preview"


class BaseSource(str, enum.Enum):
    """Where the last pristine render (the merge base side) was found."""

    BRANCH = "branch"  # the local portkit/template branch
    REMOTE = "remote"  # origin/portkit/template, e.g. in a fresh clone
    HISTORY = "history"  # re-rendered, and found as a commit in the user's history
    REBUILT = "rebuilt"  # re-rendered and committed as a new root commit


class Follow(str, enum.Enum):
    """When `portkit/template` moves to a render whose merge the user has still to commit."""

    AT_COMMIT = "at-commit"  # the hook is installed
    OWN_HOOK = "own-hook"  # the user has a post-commit hook: left alone
    HOOKS_IN_TREE = "hooks-in-tree"  # core.hooksPath is inside the work tree
    HOOKS_UNWRITABLE = "hooks-unwritable"  # e.g. core.hooksPath=/dev/null

    def later(self, branch: str = TEMPLATE_BRANCH) -> str:
        """What the user does after committing, so that BRANCH (of the renders) moves."""
        reasons = {
            Follow.OWN_HOOK: "your own post-commit hook is kept, so portkit added none",
            Follow.HOOKS_IN_TREE: "core.hooksPath is inside the project, so portkit added no hook",
            Follow.HOOKS_UNWRITABLE: "the git hooks folder cannot be written",
        }
        if self is Follow.AT_COMMIT:
            return f"{branch} then moves to the new render"
        return f"run `portkit update` once more afterwards to move {branch} ({reasons[self]})"


@dataclass(frozen=True)
class FileChange:
    """One file changed between two commits (or a commit and the work tree)."""

    status: str  # added, modified, deleted or renamed
    path: str
    old_path: str | None = None  # for renames (and copies, which are added)


@dataclass(frozen=True)
class UpdateResult:
    """What an update did, or (dry run) would do."""

    project: Path
    outcome: Outcome
    template: str
    old_version: str
    new_version: str
    branch: str
    base_source: BaseSource
    changes: list[FileChange]
    commit: str | None = None  # the merge commit, when one was made
    conflicts: list[str] | None = None  # dry run: predicted conflicts; None when unknown
    follow: Follow | None = None  # staged: when portkit/template moves
    changelog: list[ChangelogEntry] = field(default_factory=list)  # entries old -> new version
    notes: list[str] = field(default_factory=list)  # how files were merged (`update_merge`)
    warnings: list[str] = field(default_factory=list)  # problems that did not stop the update
