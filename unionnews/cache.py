"""The Redis cache backend: Django's, with one Redis client a process.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` object for every command, over the
same connection pool. On a page-cache hit that was about 70 µs of the 270 µs the hit cost in
process (issue 11, "a cached page at ≥ 50 % of a static file"). Here each server's client is
made once and kept: redis-py's clients are safe to share between threads, and its connection
pool opens new connections in a process forked after it was made.
"""

from django.core.cache.backends import redis as django_redis


class KeptClient(django_redis.RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per server instead of one per command."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with :class:`KeptClient`; the same
    settings (``LOCATION``, ``OPTIONS``)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClient
