"""A throwaway `redis-server` a test starts, kills (-9) and restarts on the same port."""

import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayRedis:
    def __init__(self, binary: str, port: int):
        self.binary, self.port = binary, port
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def start(self, timeout: float = 10) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        pytest.fail(f"redis-server did not answer on port {self.port} within {timeout} s")

    def kill(self) -> None:
        """As a crash would: SIGKILL, no shutdown, nothing saved."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def throwaway_redis():
    binary = shutil.which("redis-server")
    if binary is None:
        # No skip: the outage behaviour is a requirement, and CI must say when it is untested.
        pytest.fail("redis-server is not installed (apt-get install redis-server)", pytrace=False)
    server = ThrowawayRedis(binary, free_port())
    server.start()
    yield server
    server.kill()
