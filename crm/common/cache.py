"""A cache that fails open: when Redis is unreachable the site keeps serving, as if the cache
were empty and dropped every write.

Everything the cache holds here is an optimisation or a soft limit (API throttling, the
web-to-lead rate limit, dashboard figures, the worker heartbeat), so an outage must cost
freshness, never a 500. After a failure the cache is left alone for `retry_after` seconds (a
circuit breaker), so a request during an outage does not pay a connection timeout per cache call,
and the outage is logged once when it starts and once when it ends, not once per request.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

# What an outage looks like from redis-py: refused/reset/timed-out connections, a server still
# loading its data, a read-only replica after a failover, a full server. Other errors (a wrong
# type, a bad argument) are bugs and keep propagating.
OUTAGE_ERRORS = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,
    redis_errors.MasterDownError,
    OSError,
)


class OutageLog:
    """Remembers, per process, which dependencies are down so each outage is logged once."""

    def __init__(self):
        self._lock = threading.Lock()
        self._down: dict[str, float] = {}  # name -> monotonic time until which we do not retry

    def is_resting(self, name: str) -> bool:
        """True while the circuit is open: skip the call, do not even try the connection."""
        return self._down.get(name, 0.0) > time.monotonic()

    def failed(self, name: str, exc: BaseException, retry_after: float = 0.0) -> None:
        with self._lock:
            first = name not in self._down
            self._down[name] = time.monotonic() + retry_after
        if first:
            logger.warning("%s unavailable, serving without it until it is back: %s", name, exc)

    def recovered(self, name: str) -> None:
        if name not in self._down:
            return
        with self._lock:
            was_down = self._down.pop(name, None) is not None
        if was_down:
            logger.warning("%s available again", name)

    def is_down(self, name: str) -> bool:
        return name in self._down

    def reset(self) -> None:
        with self._lock:
            self._down.clear()


outages = OutageLog()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new `redis.Redis` for every cache call (~100 µs of Python each: its
    response-callback tables); one client per connection pool is thread-safe and enough."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache, answering like an empty cache while Redis is unreachable.

    `OPTIONS["retry_after"]` (seconds, default 5) is how long to skip Redis after a failure;
    the other OPTIONS go to redis-py as usual (keep `socket_connect_timeout`/`socket_timeout`
    short: a request waits at most that long once per `retry_after`).
    """

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", 5))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self.outage_name = f"cache {self._servers[0].rsplit('@', 1)[-1]}"

    def _guard(self, call, default):
        if outages.is_resting(self.outage_name):
            return default
        try:
            result = call()
        except OUTAGE_ERRORS as exc:
            outages.failed(self.outage_name, exc, self.retry_after)
            self._drop_connections()
            return default
        outages.recovered(self.outage_name)
        return result

    def _drop_connections(self) -> None:
        """Forget pooled sockets to the dead server, so the first call after it is back opens a
        fresh connection instead of failing once more on a stale one."""
        for pool in getattr(self._cache, "_pools", {}).values():
            try:
                pool.disconnect()
            except Exception:  # best effort: the pool is being thrown away anyway
                pass

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).add(key, value, timeout,
                                                                       version), False)

    def get(self, key, default=None, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).get(key, default, version),
                           default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).set(key, value, timeout,
                                                                       version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).touch(key, timeout, version),
                           False)

    def delete(self, key, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).delete(key, version), False)

    def get_many(self, keys, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).has_key(key, version), False)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._guard(lambda: super(FailOpenRedisCache, self).incr(key, delta, version),
                             missing)
        if result is missing:  # an empty cache has no such key: the caller's usual path
            raise ValueError(f"Key '{key}' not found.")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            lambda: super(FailOpenRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def delete_many(self, keys, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).delete_many(keys, version),
                           None)

    def clear(self):
        return self._guard(lambda: super(FailOpenRedisCache, self).clear(), False)

    def ping(self) -> None:
        """Raise if Redis does not answer now (the readiness check; ignores the breaker)."""
        self._cache.get_client(write=False).ping()
