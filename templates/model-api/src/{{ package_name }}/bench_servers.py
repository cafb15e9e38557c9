"""``make bench``'s servers: start each one, wait until it is healthy, stop it and its children.

This API runs as ``python -m <package> serve``; ``mlflow models serve`` with the local
environment manager and one worker. Each gets its own process group, so stopping it also stops
any process it started (mlflow starts uvicorn through a shell).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .loadclient import HOST, Target
from .settings import DEFAULT_MODEL_URI

STARTUP_TIMEOUT = 180.0

#: A server's command line and extra environment, for the port it should listen on.
Command = Callable[[int], tuple[list[str], dict[str, str]]]


class BenchError(RuntimeError):
    """The benchmark cannot produce meaningful figures (a server failed or only errored)."""


def own_server_command() -> Command:
    """This API, serving the registered model (``make serve``'s command)."""

    def command(port: int) -> tuple[list[str], dict[str, str]]:
        env = {"HOST": HOST, "PORT": str(port), "MODEL_URI": DEFAULT_MODEL_URI}
        return [sys.executable, "-m", __package__, "serve"], env

    return command


def mlflow_command(uri: str) -> Command:
    """``mlflow models serve`` for model URI, on this project's tracking store."""
    from .registry import connect

    connect()
    import mlflow

    tracking_uri = mlflow.get_tracking_uri()

    def command(port: int) -> tuple[list[str], dict[str, str]]:
        args = ["models", "serve", "-m", uri, "--env-manager", "local", "-h", HOST, "-p", str(port)]
        # It starts `uvicorn` through a shell: put this environment's scripts first on PATH.
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        env = {"MLFLOW_TRACKING_URI": tracking_uri, "PATH": path}
        return [sys.executable, "-m", "mlflow", *args, "-w", "1"], env

    return command


@contextmanager
def running(command: tuple[list[str], dict[str, str]], target: Target) -> Iterator[None]:
    """Start a server process, wait until it answers its health check, stop it afterwards."""
    args, env = command
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            args,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,  # its own process group: mlflow starts child processes
        )
        try:
            try:
                _wait_healthy(process, target)
            except BenchError:
                errors.seek(0)
                tail = errors.read().decode(errors="replace").strip().splitlines()[-15:]
                print("\n".join(tail), file=sys.stderr)
                raise
            print(f"{target.name} healthy after {time.perf_counter() - started:.1f} s", flush=True)
            yield
        finally:
            _stop(process)


def _wait_healthy(process: subprocess.Popen[bytes], target: Target) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{target.name} exited with code {process.returncode} at start-up")
        try:
            with socket.create_connection((HOST, target.port), timeout=1) as sock:
                sock.sendall(f"GET {target.health} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise BenchError(f"{target.name} did not become healthy within {STARTUP_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and any children it started (its own process group, where supported)."""
    import signal

    def signal_group(sig: int) -> None:
        if hasattr(os, "killpg"):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)

    signal_group(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        signal_group(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        process.wait()
