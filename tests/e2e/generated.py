"""Steps the end-to-end tests share: generate a project, read a README's commands, run one as
written (a job to its end, a server until `/health` answers), with or without the network."""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import run_portkit

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = ROOT / "templates"
TEMPLATES = sorted(
    p.name for p in TEMPLATES_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
)
STEP_TIMEOUT = 900  # seconds for one step; a cold package cache is the slow case
#: A port nothing listens on: the fallback "no network" sends every proxied request there.
CLOSED_PROXY = "http://127.0.0.1:9"


def has_cli(template: str) -> bool:
    package = TEMPLATES_DIR / template / "src" / "{{ package_name }}"
    return (package / "cli.py").is_file() or (package / "cli.py.jinja").is_file()


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment, as a user's shell has it: no venv of ours leaks in."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return {**env, **extra}


def step(*command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT
    )
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def generate(template: str, parent: Path, name: str = "project") -> Path:
    result = run_portkit("new", template, name, "--defaults", cwd=parent)
    assert result.returncode == 0, result.stderr
    return parent / name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def code_block(markdown: str, heading: str) -> list[str]:
    """The command lines of the first ```bash block after the Markdown heading HEADING."""
    start = f"\n{markdown}".find(f"\n{heading}\n")
    assert start >= 0, f"no '{heading}' section"
    found = re.search(r"```bash\n(.*?)```", markdown[start:], re.DOTALL)
    assert found, f"no bash block under '{heading}'"
    lines = (line.strip() for line in found.group(1).splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@dataclass(frozen=True)
class Network:
    """How a command runs: with the network, or with it taken away (and how)."""

    mode: str  # "online", "namespace" (unshare -n, loopback only) or "proxy" (proxies refuse all)
    why: str = ""  # why this mode was chosen

    def describe(self) -> str:
        how = {
            "online": "with the network",
            "namespace": "without the network: a fresh network namespace, loopback only (unshare -n)",
            "proxy": "without the network: every proxy points at a closed port, "
            "NO_PROXY=127.0.0.1,localhost",
        }[self.mode]
        return f"{how} ({self.why})" if self.why else how

    def wrap(self, argv: list[str]) -> list[str]:
        if self.mode != "namespace":
            return argv
        return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *argv]

    def environ(self, env: dict[str, str]) -> dict[str, str]:
        if self.mode != "proxy":
            return env
        proxies = {
            name: CLOSED_PROXY
            for key in ("http_proxy", "https_proxy", "all_proxy")
            for name in (key, key.upper())
        }
        return {
            **env,
            **proxies,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }

    def healthy(self, port: int, pid: int) -> bool:
        """Whether `/health` answers 200 on 127.0.0.1:PORT, seen from PID's network."""
        probe = [sys.executable, "-c", PROBE, f"http://127.0.0.1:{port}/health"]
        if self.mode == "namespace":
            probe = ["nsenter", "-t", str(pid), "-n", *probe]
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0


PROBE = "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)"
ONLINE = Network("online")


@functools.cache
def offline_network() -> Network:
    """A network namespace where this machine allows one, else the refusing-proxy fallback.

    PORTKIT_OFFLINE_MODE=proxy forces the fallback (to exercise it where namespaces work).
    """
    if os.environ.get("PORTKIT_OFFLINE_MODE") == "proxy":
        return Network("proxy", "PORTKIT_OFFLINE_MODE=proxy")
    tools = ("unshare", "ip", "nsenter")
    if not all(shutil.which(tool) for tool in tools):
        return Network("proxy", f"one of {', '.join(tools)} is missing")
    trial = ["unshare", "-n", "sh", "-c", "ip link set lo up"]
    if subprocess.run(trial, capture_output=True, timeout=30).returncode != 0:
        return Network("proxy", "this machine does not allow unshare -n")
    return Network("namespace")


def run_job_or_server(
    line: str,
    cwd: Path,
    env: dict[str, str],
    network: Network = ONLINE,
    while_serving: Callable[[str], None] | None = None,
) -> str:
    """Run the shell LINE as written until it exits (a job: it must succeed) or until a server it
    starts answers `/health` on HOST:PORT (then WHILE_SERVING gets its base URL and the server is
    stopped). Returns "job" or "server"."""
    port = free_port()
    handle, name = tempfile.mkstemp(prefix="portkit-e2e-", suffix=".log")
    os.close(handle)
    log_path = Path(name)
    environ = network.environ({**env, "HOST": "127.0.0.1", "PORT": str(port)})
    with log_path.open("w") as log:
        process = subprocess.Popen(
            network.wrap(["bash", "-c", line]),
            cwd=cwd,
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STEP_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                assert process.returncode == 0, f"`{line}` failed:\n{log_path.read_text()}"
                return "job"
            if network.healthy(port, process.pid):
                if while_serving:
                    while_serving(f"http://127.0.0.1:{port}")
                return "server"
            time.sleep(1)
        pytest.fail(f"`{line}` neither finished nor served /health:\n{log_path.read_text()}")
    finally:
        stop(process)
        log_path.unlink(missing_ok=True)


def never_served(
    process: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    log: Path,
    timeout: float = STEP_TIMEOUT,
    interval: float = 1.0,
) -> str | None:
    """Poll READY until it is true: None then, else why not (PROCESS ended, or time ran out).

    The reason carries LOG's text, so a server that never came up says what it printed.
    """
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            return f"it stopped (exit code {process.returncode}):\n{log.read_text()}"
        if time.monotonic() > deadline:
            return f"it did not answer within {timeout:.0f} s:\n{log.read_text()}"
        time.sleep(interval)
    return None


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop PROCESS and everything it started (it leads its own session)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
