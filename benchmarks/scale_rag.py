"""Scale figures for rag-chatbot's README "Scaling" section: memory and query latency of the
embedded BM25 index at 10k and 100k chunks, and of a Chroma server at 100k vectors.

Everything runs through a generated rag-chatbot project (its own venv and code): the BM25 figures
come from its real ingestion and retriever, the server figures from `chroma run` installed by its
`make vectordb-server` (the `.vectordb/venv/bin/chroma` file target) on a free 127.0.0.1 port.

- BM25: a synthetic corpus of N chunks (the project's `bench.write_corpus`: one-paragraph sections
  of 60-100 Zipf-distributed made-up words), ingested in one process; then a fresh process loads
  the index, as a server starts, and times Q queries of 6 words of random chunks (k=4). Its peak
  RSS is the serving memory.
- Chroma: N random unit vectors of the encoder's dimension (384), each with an ~800-character
  document and the backend's metadata, added over HTTP in batches of 1,000; then Q queries with
  random unit vectors (k=4), timed at the client (HTTP round trip included). The server's peak
  RSS (VmHWM) is read from /proc. Embedding real chunks would take hours on a small machine; the
  search costs the same whatever the vectors hold. Encoding a query (the numpy encoder, measured
  separately when the project has `make dense`) adds on top of every dense or server query.

Run: `python benchmarks/scale_rag.py [--project DIR] [--sizes 10000,100000] [--vectors 100000]
[--queries 300] [--json FILE]` from the repository's virtualenv (Linux: /proc and ru_maxrss). A
project needs `make setup` and `make vectordb`; without `--project` one is generated and set up
in a temporary folder. `--vectors 0` skips the server.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

WORKER = Path(__file__).resolve().parent / "rag" / "scale_worker.py"
DIM = 384  # all-MiniLM-L6-v2's embedding size


def generate(workdir: Path) -> Path:
    project = workdir / "rag-scale"
    portkit = Path(sys.executable).with_name("portkit")
    subprocess.run(
        [str(portkit), "new", "rag-chatbot", str(project), "--defaults"],
        check=True,
        capture_output=True,
    )
    for target in ("setup", "vectordb"):
        subprocess.run(["make", target], cwd=project, check=True, capture_output=True)
    return project


def package_of(project: Path) -> str:
    for cli in sorted((project / "src").glob("*/cli.py")):
        return cli.parent.name
    raise SystemExit(f"error: {project} is not a rag-chatbot project (no src/<package>/cli.py)")


def worker(project: Path, *args: str) -> dict[str, Any]:
    """Run one measurement in the project's Python; its JSON line."""
    python = project / ".venv" / "bin" / "python"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # as the project's server runs
    done = subprocess.run(
        [str(python), str(WORKER), *args], cwd=project, capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        raise SystemExit(f"error: {' '.join(args[:1])} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bm25(project: Path, package: str, size: int, queries: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rag-scale-") as tmp:
        built = worker(project, "bm25-build", package, str(size), tmp)
        served = worker(project, "bm25-query", package, tmp, str(queries))
    return {"what": f"BM25 (embedded), {size:,} chunks", **built, **served}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status_mb(pid: int, field: str) -> float:
    """A memory figure of process PID from /proc (kB) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def start_chroma(project: Path, data: Path, port: int) -> subprocess.Popen[bytes]:
    chroma = project / ".vectordb" / "venv" / "bin" / "chroma"
    if not chroma.is_file():
        subprocess.run(["make", ".vectordb/venv/bin/chroma"], cwd=project, check=True)
    argv = [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2)
            return process
        except OSError:
            time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("error: the Chroma server did not start within 120 s")


def server(project: Path, package: str, size: int, queries: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rag-scale-chroma-") as tmp:
        port = free_port()
        process = start_chroma(project, Path(tmp), port)
        try:
            url = f"http://127.0.0.1:{port}"
            figures = worker(project, "chroma", package, url, str(size), str(queries), str(DIM))
            figures["server_rss_mb"] = status_mb(process.pid, "VmRSS")
            figures["server_peak_rss_mb"] = status_mb(process.pid, "VmHWM")
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
        disk = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    return {"what": f"Chroma server, {size:,} vectors", **figures, "disk_mb": round(disk / 2**20)}


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| index | query p50 / p95 | peak RSS | build / insert |",
        "|---|---|---|---|",
    ]
    for row in rows:
        if "serving_rss_mb" in row:
            memory = (
                f"{row['serving_rss_mb']:.0f} MB serving ({row['build_rss_mb']:.0f} MB building)"
            )
            build = f"{row['build_s']} s"
        elif "server_peak_rss_mb" in row:
            memory = (
                f"{row['server_peak_rss_mb']:.0f} MB server + {row['client_rss_mb']:.0f} MB client"
            )
            build = f"{row['insert_s']} s"
        else:
            memory, build = "", ""
        lines.append(
            f"| {row['what']} | {row['p50_ms']} / {row['p95_ms']} ms | {memory} | {build} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="a set-up rag-chatbot project (make vectordb)")
    parser.add_argument("--sizes", default="10000,100000", help="BM25 corpus sizes, in chunks")
    parser.add_argument("--vectors", type=int, default=100_000, help="vectors on the server")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rag-scale-project-") as tmp:
        project = args.project.resolve() if args.project else generate(Path(tmp))
        package = package_of(project)
        rows = [bm25(project, package, int(n), args.queries) for n in args.sizes.split(",") if n]
        if args.vectors:
            rows.append(server(project, package, args.vectors, args.queries))
        try:
            rows.append(
                {
                    "what": "query encoding (numpy MiniLM)",
                    **worker(project, "encode", package, str(args.queries)),
                }
            )
        except SystemExit as exc:  # no `make dense` in this project
            print(f"(query encoding not measured: {str(exc).splitlines()[0]})", file=sys.stderr)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(table(rows))
    print(f"\n{os.cpu_count()} CPUs, load average {load:.1f} at the end" if load else "")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "load_average_1m": load}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
