"""Registry lookups with an in-process cache that follows the latest snapshot.

Decisions look up the same few certificates and licences over and over; a dictionary
answers those in microseconds. The cache is tagged with the latest complete
snapshot id, re-read at most once per ``version_ttl`` seconds, and dropped when an
import completes, so every process sees a new snapshot within that time.
"""
from __future__ import annotations

import threading
import time

from cachetools import LRUCache
from sqlalchemy import bindparam, select

from gateway.db import Database, point_reads
from gateway.registry.columns import record_from_row
from gateway.registry.models import RegistryDevice, RegistryEnterprise, RegistrySnapshot
from verifiers.identifiers import lookup_key
from verifiers.registry.records import DeviceRecord, EnterpriseRecord, Found


def _device(row) -> Found:
    return Found(record_from_row(DeviceRecord, row), row.snapshot_id)


def _enterprise(row) -> Found:
    return Found(record_from_row(EnterpriseRecord, row), row.snapshot_id)


# A miss reads one row by key. As Core statements on a point-read connection (no Session, no
# ORM loading, no transaction) it costs about 80 µs on SQLite against 200-270 µs for
# Session.get, and a listing decision whose certificate is not cached yet pays it. Built once:
# SQLAlchemy memoises the cache key on the statement object.
_DEVICE_BY_KEY = select(RegistryDevice.__table__).where(RegistryDevice.key == bindparam("key"))
_DEVICES_BY_KEYS = select(RegistryDevice.__table__).where(RegistryDevice.key.in_(bindparam("keys", expanding=True)))
_ENTERPRISE_BY_KEY = select(RegistryEnterprise.__table__).where(RegistryEnterprise.key == bindparam("key"))
_ENTERPRISES_BY_USCC = (select(RegistryEnterprise.__table__).where(RegistryEnterprise.uscc == bindparam("uscc"))
                        .order_by(RegistryEnterprise.kind, RegistryEnterprise.number))


class RegistryLookup:
    def __init__(self, db: Database, version_ttl: float = 1.0, max_entries: int = 200_000):
        self.db = db
        self._reads = point_reads(db.engine)
        self.version_ttl = version_ttl
        self._version: str | None = None
        self._version_checked = 0.0
        # Least recently used entries go first when full: the certificates decisions ask
        # about again and again stay.
        self._cache: LRUCache[tuple[str, str], object] = LRUCache(maxsize=max_entries)
        self._lock = threading.Lock()  # cachetools caches are not thread-safe

    def version(self) -> str | None:
        """The latest complete snapshot id (None before the first import)."""
        now = time.monotonic()
        if now - self._version_checked > self.version_ttl:
            with self.db.read_sessionmaker() as session:
                latest = session.scalar(select(RegistrySnapshot.id).where(RegistrySnapshot.status == "complete")
                                        .order_by(RegistrySnapshot.completed_at.desc(), RegistrySnapshot.id.desc())
                                        .limit(1))
            with self._lock:
                if latest != self._version:
                    self._cache.clear()
                    self._version = latest
                self._version_checked = now
        return self._version

    def invalidate(self) -> None:
        with self._lock:
            self._version_checked = 0.0
            self._cache.clear()

    def _cached(self, kind: str, key: str, load):
        self.version()
        with self._lock:
            if (kind, key) in self._cache:
                return self._cache[(kind, key)]
        value = load()
        with self._lock:
            self._cache[(kind, key)] = value
        return value

    def device(self, number: str) -> Found | None:
        key = lookup_key(number)

        def load():
            with self._reads.connect() as conn:
                row = conn.execute(_DEVICE_BY_KEY, {"key": key}).first()
            return _device(row) if row else None

        return self._cached("device", key, load)

    def prefetch_devices(self, numbers) -> None:
        """Load the device records for ``numbers`` not yet cached in one query, so a batch
        (a catalogue re-screen's chunk) costs one round trip rather than one per number.
        Blank numbers are skipped; a number with no record is cached as None, as
        :meth:`device` would."""
        self.version()
        keys = {lookup_key(n) for n in set(numbers) if n and n.strip()}
        with self._lock:
            missing = [k for k in keys if ("device", k) not in self._cache]
        if not missing:
            return
        with self._reads.connect() as conn:
            found = {row.key: _device(row) for row in conn.execute(_DEVICES_BY_KEYS, {"keys": missing})}
        with self._lock:
            for key in missing:
                self._cache[("device", key)] = found.get(key)

    def enterprise(self, number: str) -> Found | None:
        key = lookup_key(number)

        def load():
            with self._reads.connect() as conn:
                row = conn.execute(_ENTERPRISE_BY_KEY, {"key": key}).first()
            return _enterprise(row) if row else None

        return self._cached("enterprise", key, load)

    def enterprises_for_uscc(self, uscc: str) -> tuple[Found, ...]:
        code = lookup_key(uscc)

        def load():
            with self._reads.connect() as conn:
                rows = conn.execute(_ENTERPRISES_BY_USCC, {"uscc": code}).all()
            return tuple(_enterprise(r) for r in rows)

        return self._cached("uscc", code, load)

    def devices_for_registrant(self, uscc: str, limit: int = 50) -> tuple[Found, ...]:
        """Active registrations whose registrant has this credit code (a sample of ``limit``:
        merchant rules only ask which classes it registers)."""
        code = lookup_key(uscc)

        def load():
            with self.db.read_sessionmaker() as session:
                rows = session.scalars(select(RegistryDevice).where(RegistryDevice.registrant_uscc == code,
                                                                    RegistryDevice.status == "active")
                                       .order_by(RegistryDevice.device_class.desc(), RegistryDevice.key)
                                       .limit(limit)).all()
                return tuple(_device(r) for r in rows)

        return self._cached("registrant", code, load)

    def snapshot(self, snapshot_id: str) -> RegistrySnapshot | None:
        with self.db.read_sessionmaker() as session:
            return session.get(RegistrySnapshot, snapshot_id)
