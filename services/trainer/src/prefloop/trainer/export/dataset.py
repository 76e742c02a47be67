"""Pairs as JSON lines in TRL's conversational preference format.

The prompt is the same list of messages the inference service renders
(`prompt_messages`), so a model trained on the export with TRL's DPOTrainer
learns from exactly what the users were shown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from psycopg_pool import ConnectionPool

from prefloop.shared.prompts import prompt_messages

# Erased users' pairs are deleted with them; the join also keeps out any pair
# whose user was erased after it was stored and before this read.
_PAIRS = """
SELECT p.id, p.idea, p.chosen, p.rejected, p.prompt_template_version, f.action, p.feedback_id
FROM pairs p
JOIN feedback_events f ON f.feedback_id = p.feedback_id
WHERE p.user_id IS NULL OR p.user_id NOT IN (SELECT user_id FROM erased_users)
ORDER BY p.id
"""


def conversational_pair(idea: str, chosen: str, rejected: str) -> dict[str, Any]:
    return {
        "prompt": prompt_messages(idea),
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
    }


def export_lines(pool: ConnectionPool[Any], with_source: bool = False) -> Iterator[bytes]:
    """One JSON object per line, oldest pair first; `with_source` adds where
    each pair came from (feedback id, action, prompt template version)."""
    with pool.connection() as conn, conn.cursor(name="pairs_export") as cursor:
        cursor.execute(_PAIRS)
        for row in cursor:
            record = conversational_pair(row["idea"], row["chosen"], row["rejected"])
            if with_source:
                record["source"] = {
                    "pair_id": row["id"],
                    "feedback_id": str(row["feedback_id"]),
                    "action": row["action"],
                    "prompt_template_version": row["prompt_template_version"],
                }
            yield (json.dumps(record, ensure_ascii=False) + "\n").encode()
