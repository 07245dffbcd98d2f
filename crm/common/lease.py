"""A lease: "only one runner at a time" that survives its holder's crash.

A lock with a long expiry blocks everyone for that long when its holder dies (kill -9, OOM, a
lost machine). A lease has a short expiry instead, and the living holder renews it from a
background thread while it works, so a crashed holder blocks the next runner at most `ttl`
seconds. Each holder has a token: only the holder renews or releases its own lease, never one
that expired and was taken by someone else.

Stored in the cache (Redis in production). With a Redis cache, renew and release are atomic
(compare-and-expire / compare-and-delete scripts); with another backend (the embedded
default's in-process cache) they are a read then a write, which is enough in one process.
"""

import logging
import secrets
import threading
from contextlib import contextmanager

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from .cache import OUTAGE_ERRORS, outages

logger = logging.getLogger(__name__)

_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then " \
         "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then " \
           "return redis.call('del', KEYS[1]) else return 0 end"


class Lease:
    def __init__(self, name: str, *, ttl: float, renew_every: float | None = None):
        self.key = f"lease:{name}"
        self.ttl = ttl
        self.renew_every = renew_every if renew_every is not None else ttl / 4
        # An int is stored as-is by Django's Redis serializer, so the scripts can compare it.
        self.token = secrets.randbits(62)
        self.cache_unavailable = False
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _redis(self):
        """(client, full key) when the cache is Redis, else None."""
        backend = caches["default"]
        if not isinstance(backend, RedisCache):
            return None
        full_key = backend.make_and_validate_key(self.key)
        return backend._cache.get_client(full_key, write=True), full_key

    def acquire(self) -> bool:
        """Take the lease if nobody holds it. False when it is held, or when the cache is down
        (then `cache_unavailable` says so: nobody can tell whether another runner holds it)."""
        taken = bool(cache.add(self.key, self.token, timeout=self.ttl))
        outage_name = getattr(caches["default"], "outage_name", None)
        self.cache_unavailable = not taken and bool(outage_name) and outages.is_down(outage_name)
        return taken

    def renew(self) -> bool:
        """Push the expiry `ttl` seconds ahead; False if the lease is no longer ours."""
        try:
            redis = self._redis()
            if redis is not None:
                client, key = redis
                return bool(client.eval(_RENEW, 1, key, self.token, int(self.ttl * 1000)))
        except OUTAGE_ERRORS as exc:
            logger.warning("lease %s not renewed, cache unavailable: %s", self.key, exc)
            return False
        return cache.get(self.key) == self.token and bool(cache.touch(self.key, self.ttl))

    def release(self) -> None:
        try:
            redis = self._redis()
            if redis is not None:
                client, key = redis
                client.eval(_RELEASE, 1, key, self.token)
                return
        except OUTAGE_ERRORS as exc:  # it expires by itself
            logger.warning("lease %s not released, cache unavailable: %s", self.key, exc)
            return
        if cache.get(self.key) == self.token:
            cache.delete(self.key)

    def _keep_renewing(self) -> None:
        lost = False
        while not self._stop.wait(self.renew_every):
            renewed = self.renew()
            if not renewed and not lost:
                logger.warning("lease %s lost while its holder was still working", self.key)
            lost = not renewed

    @contextmanager
    def hold(self):
        """`with lease.hold() as held:` held is False when someone else has the lease; when
        True, the lease is renewed in the background until the block ends, then released."""
        if not self.acquire():
            yield False
            return
        self._stop.clear()
        self._renewer = threading.Thread(target=self._keep_renewing, daemon=True,
                                         name=f"renew-{self.key}")
        self._renewer.start()
        try:
            yield True
        finally:
            self._stop.set()
            self._renewer.join(timeout=5)
            self.release()
