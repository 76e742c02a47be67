-- depends: 0002_activation_history
-- Which feedback each round trained on, ids only and with no foreign key, so
-- the record outlives the erasure of the feedback; and which feedback ids
-- were erased, so a version can say it learned from erased data.
CREATE TABLE round_feedback (
    round_id int NOT NULL,
    feedback_id uuid NOT NULL,
    PRIMARY KEY (round_id, feedback_id)
);
CREATE INDEX round_feedback_feedback ON round_feedback (feedback_id);

CREATE TABLE erased_feedback (
    feedback_id uuid PRIMARY KEY,
    erased_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- The side (training or held-out) each idea was given the first time a round
-- saw it; later rounds keep it.
CREATE TABLE idea_sides (
    idea_hash text PRIMARY KEY,
    held_out boolean NOT NULL,
    first_seen timestamptz NOT NULL DEFAULT now()
);
