"""Store served sets in batches and resolve feedback that arrived before them."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from psycopg_pool import ConnectionPool

from prefloop.feedback.metrics import SETS_RECEIVED
from prefloop.feedback.recording import resolve
from prefloop.feedback.recording.service import lock_sets
from prefloop.feedback.users.erasure import erased_before
from prefloop.shared.events import SuggestionsServed
from prefloop.shared.kafka import Record

log = logging.getLogger(__name__)


def _not_erased(conn: Any, sets: list[SuggestionsServed]) -> list[SuggestionsServed]:
    """Sets served to a user before their erasure (late, or replayed) stay out."""
    erased = erased_before(conn, sorted({s.user_id for s in sets if s.user_id}))
    kept = [s for s in sets if not (s.user_id in erased and s.served_at_ms / 1000 <= erased[s.user_id])]
    if len(kept) < len(sets):
        log.info("left out %d served sets of erased users", len(sets) - len(kept))
    return kept


class ServedSetsHandler:
    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self._pool = pool

    def __call__(self, records: Sequence[Record]) -> None:
        sets = [r.event for r in records if isinstance(r.event, SuggestionsServed)]
        if not sets:
            return
        with self._pool.connection() as conn, conn.transaction():
            sets = _not_erased(conn, sets)
            if not sets:
                return
            # Locked before the insert: a feedback transaction on the same set
            # either committed its pending row before (seen below) or waits and
            # then finds the set. Without it both could miss each other and the
            # feedback would stay pending until it expired.
            lock_sets(conn, [s.suggestion_set_id for s in sets])
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO suggestion_sets (id, idea, prompt_template_version, model_version, "
                    "user_id, served_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                    [
                        (
                            s.suggestion_set_id,
                            s.idea,
                            s.prompt_template_version,
                            s.model_version,
                            s.user_id,
                            dt.datetime.fromtimestamp(s.served_at_ms / 1000, dt.UTC),
                        )
                        for s in sets
                    ],
                )
                cur.executemany(
                    "INSERT INTO suggestions (id, set_id, idx, text, model_version) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                    [
                        (x.id, s.suggestion_set_id, x.index, x.text, x.model_version)
                        for s in sets
                        for x in s.suggestions
                    ],
                )
            pending = conn.execute(
                "SELECT * FROM feedback WHERE status = 'pending' AND set_id = ANY(%s)",
                ([s.suggestion_set_id for s in sets],),
            ).fetchall()
            for feedback in pending:
                set_id = str(feedback["set_id"])
                served, suggestions = resolve.load_set(conn, set_id)
                assert served is not None
                suggestion_id = str(feedback["suggestion_id"]) if feedback["suggestion_id"] else None
                why = resolve.mismatch(feedback["action"], suggestion_id, suggestions)
                if why:
                    log.warning("pending feedback %s is invalid for its set: %s", feedback["id"], why)
                    resolve.mark_invalid(conn, str(feedback["id"]), why)
                else:
                    resolve.record(conn, feedback, served, suggestions)
        SETS_RECEIVED.inc(len(sets))
