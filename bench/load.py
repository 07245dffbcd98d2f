"""A small, bounded load client (stdlib only): N threads with keep-alive connections send
requests to 127.0.0.1 for a fixed time per endpoint and record every latency.

Only loopback targets are accepted. Each endpoint runs alone for `duration` seconds with
`concurrency` clients, so its figure is its own; the floor endpoint is measured the same way and
every throughput is also given as a ratio to it.
"""

import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Endpoint:
    name: str
    path: str
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    body: object = None  # dict -> JSON, or callable(i) -> dict
    group: str = ""


@dataclass
class Result:
    endpoint: Endpoint
    latencies: list
    errors: int
    elapsed: float
    statuses: dict

    @property
    def count(self):
        return len(self.latencies) + self.errors

    @property
    def rps(self):
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def pct(self, p):
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        k = min(len(data) - 1, max(0, int(round(p / 100 * len(data) + 0.5)) - 1))
        return data[k] * 1000

    @property
    def p50(self):
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


def _check_loopback(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    host = parts.hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        raise SystemExit(f"refusing to load-test a non-loopback host: {host}")
    return host, parts.port or 80


def run_endpoint(base: str, ep: Endpoint, *, duration: float, concurrency: int,
                 max_requests: int = 100_000) -> Result:
    host, port = _check_loopback(base)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    counter = iter(range(max_requests))

    def worker():
        nonlocal errors
        conn = http.client.HTTPConnection(host, port, timeout=30)
        local_lat, local_status, local_err = [], {}, 0
        while time.monotonic() < stop_at:
            try:
                i = next(counter)
            except StopIteration:
                break
            body = ep.body(i) if callable(ep.body) else ep.body
            payload = json.dumps(body).encode() if body is not None else None
            headers = dict(ep.headers)
            if payload is not None:
                headers["Content-Type"] = "application/json"
            path = ep.path.format(i=i)
            t0 = time.perf_counter()
            try:
                conn.request(ep.method, path, body=payload, headers=headers)
                resp = conn.getresponse()
                resp.read()
                dt = time.perf_counter() - t0
                local_status[resp.status] = local_status.get(resp.status, 0) + 1
                if resp.status >= 400:
                    local_err += 1
                else:
                    local_lat.append(dt)
            except Exception:
                local_err += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
        conn.close()
        with lock:
            latencies.extend(local_lat)
            errors += local_err
            for k, v in local_status.items():
                statuses[k] = statuses.get(k, 0) + v

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(ep, latencies, errors, time.monotonic() - start, statuses)


def wait_until_up(base: str, path: str = "/healthz/", timeout: float = 60) -> None:
    host, port = _check_loopback(base)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server at {base} did not come up")
