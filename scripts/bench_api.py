"""Upload-to-result latency of the HTTP service on the seed report.

Starts `python -m service.api` on a free loopback port with a fresh data folder (or uses --url), uploads the seed
(each time with one extra line, so every upload is a new document that really gets processed), polls
GET /v1/documents/{id} every 20 ms until it is done, and prints the latency distribution.

    python scripts/bench_api.py --runs 20 [--workers 2] [--burst 20] [--url http://127.0.0.1:8000]

--burst N then uploads N new documents at once and reports how long until all are done (throughput).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpora" / "seed" / "gusu_2023_report.txt"


def start_server(data_dir: Path, workers: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    env |= {"NIANBAO_DATA_DIR": str(data_dir), "NIANBAO_WORKERS": str(workers)}
    process = subprocess.Popen([sys.executable, "-m", "service.api", "--port", str(port), "--log-level", "warning"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def one_upload(client: httpx.Client, data: bytes, name: str) -> float:
    started = time.perf_counter()
    response = client.post("/v1/documents", files={"file": (name, data)})
    response.raise_for_status()
    doc_id = response.json()["id"]
    while True:
        status = client.get(f"/v1/documents/{doc_id}").json()["status"]
        if status in ("done", "failed"):
            if status == "failed":
                raise SystemExit(f"{name} failed to process")
            return time.perf_counter() - started
        time.sleep(0.02)


def burst(client: httpx.Client, seed: bytes, stamp: int, count: int) -> float:
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: one_upload(client, seed + f"\n（并发 {stamp} {i}）\n".encode(), f"burst-{i}.txt"),
                      range(count)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--burst", type=int, default=0)
    parser.add_argument("--url", help="an already running server (default: start one)")
    args = parser.parse_args()
    seed = SEED.read_bytes()
    stamp = time.time_ns()
    with tempfile.TemporaryDirectory() as tmp:
        process, url = (None, args.url) if args.url else start_server(Path(tmp), args.workers)
        try:
            with httpx.Client(base_url=url, timeout=120) as client:
                first = one_upload(client, seed + f"\n（基准 {stamp} 首次）\n".encode(), "seed-first.txt")
                latencies = [one_upload(client, seed + f"\n（基准 {stamp} {i}）\n".encode(), f"seed-{i}.txt")
                             for i in range(args.runs)]
                burst_s = burst(client, seed, stamp, args.burst) if args.burst else None
        finally:
            if process is not None:
                process.terminate()
                process.wait(20)
    ms = sorted(x * 1000 for x in latencies)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    print(f"seed report upload → result (one at a time, {args.runs} runs, {args.workers} workers, {url})")
    print(f"  first document after start: {first * 1000:.0f} ms")
    print(f"  median {statistics.median(ms):.0f} ms · p90 {p90:.0f} ms · min {ms[0]:.0f} ms · max {ms[-1]:.0f} ms")
    if burst_s is not None:
        print(f"  {args.burst} uploads at once: all done in {burst_s:.1f} s ({args.burst / burst_s:.1f} documents/s)")


if __name__ == "__main__":
    main()
