"""A round's reads and writes in the trainer schema: the pairs it takes, its
run row, and what it trained on. Scheduling and the recipe live elsewhere."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

_COLUMNS = "id, feedback_id, idea, idea_hash, chosen, rejected"


@dataclass(frozen=True)
class PairRow:
    id: int
    feedback_id: str
    idea: str
    idea_hash: str
    chosen: str
    rejected: str


def _pairs(conn: Connection[Any], sql: str, limit: int) -> list[PairRow]:
    return [
        PairRow(**{**r, "feedback_id": str(r["feedback_id"])}) for r in conn.execute(sql, (limit,)).fetchall()
    ]


def open_run(conn: Connection[Any], trigger: str) -> int:
    row = conn.execute(
        "INSERT INTO training_runs (trigger, status) VALUES (%s, 'running') RETURNING id", (trigger,)
    ).fetchone()
    assert row is not None
    return int(row["id"])


def newest_waiting(conn: Connection[Any], limit: int) -> list[PairRow]:
    """The newest unused pairs, oldest first."""
    sql = f"SELECT {_COLUMNS} FROM pairs WHERE round_id IS NULL ORDER BY id DESC LIMIT %s"
    return list(reversed(_pairs(conn, sql, limit)))


def newest(conn: Connection[Any], limit: int) -> list[PairRow]:
    """The newest pairs, used or not, oldest first."""
    return list(reversed(_pairs(conn, f"SELECT {_COLUMNS} FROM pairs ORDER BY id DESC LIMIT %s", limit)))


def replay_sample(conn: Connection[Any], limit: int) -> list[PairRow]:
    """Already-used pairs at random, replayed against forgetting."""
    sql = f"SELECT {_COLUMNS} FROM pairs WHERE round_id IS NOT NULL ORDER BY random() LIMIT %s"
    return _pairs(conn, sql, limit)


def count_waiting(conn: Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) AS n FROM pairs WHERE round_id IS NULL").fetchone()
    return int(row["n"]) if row else 0


def fail_run(conn: Connection[Any], run_id: int, error: str) -> None:
    conn.execute(
        "UPDATE training_runs SET status = 'failed', finished_at = now(), error = %s WHERE id = %s",
        (error, run_id),
    )


def fail_interrupted_runs(conn: Connection[Any]) -> None:
    conn.execute(
        "UPDATE training_runs SET status = 'failed', finished_at = now(), "
        "error = 'interrupted: the trainer stopped during the round' WHERE status = 'running'"
    )


@dataclass(frozen=True)
class RoundRecord:
    run_id: int
    version: str
    used_pair_ids: Sequence[int]  # the round's pairs, now no longer waiting
    trained_feedback_ids: Sequence[str]  # the feedback behind what DPO trained on
    train_pairs: int
    eval_pairs: int
    metrics: dict[str, Any]
    refusal: str | None


def finish_run(conn: Connection[Any], record: RoundRecord) -> None:
    """Mark the pairs used and the run succeeded; keep which feedback it trained
    on, ids only, so the record outlives an erasure of that feedback."""
    used = list(record.used_pair_ids)
    conn.execute("UPDATE pairs SET round_id = %s WHERE id = ANY(%s)", (record.run_id, used))
    conn.execute(
        "INSERT INTO round_feedback (round_id, feedback_id) "
        "SELECT %s, unnest(%s::uuid[]) ON CONFLICT DO NOTHING",
        (record.run_id, sorted(set(record.trained_feedback_ids))),
    )
    conn.execute(
        "UPDATE training_runs SET status = 'succeeded', finished_at = now(), version = %s, "
        "train_pairs = %s, eval_pairs = %s, metrics = %s, error = %s WHERE id = %s",
        (
            record.version,
            record.train_pairs,
            record.eval_pairs,
            Jsonb(record.metrics),
            record.refusal,
            record.run_id,
        ),
    )


def idea_sides(conn: Connection[Any], idea_hashes: Iterable[str]) -> dict[str, bool]:
    """The stored side (held out or not) of each of these ideas that has one."""
    rows = conn.execute(
        "SELECT idea_hash, held_out FROM idea_sides WHERE idea_hash = ANY(%s)", (sorted(set(idea_hashes)),)
    ).fetchall()
    return {r["idea_hash"]: bool(r["held_out"]) for r in rows}


def remember_sides(conn: Connection[Any], sides: Mapping[str, bool]) -> None:
    """Store the side of ideas seen for the first time; a stored side never changes."""
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO idea_sides (idea_hash, held_out) VALUES (%s, %s) ON CONFLICT (idea_hash) DO NOTHING",
            list(sides.items()),
        )
