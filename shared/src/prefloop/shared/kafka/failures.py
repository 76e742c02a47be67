"""Which handler failures say nothing about the record.

A database or network that is away fails every record alike: those batches
are retried until they go through, never dead-lettered. Any other failure
(bad data reaching SQL, a bug a record triggers) is retried a bounded number
of times, then the batch is retried record by record and the one that still
fails alone goes to the DLQ."""

from __future__ import annotations

import psycopg
from psycopg_pool import PoolTimeout

TRANSIENT = (psycopg.OperationalError, PoolTimeout, ConnectionError, TimeoutError)


def is_transient(error: BaseException) -> bool:
    return isinstance(error, TRANSIENT)
