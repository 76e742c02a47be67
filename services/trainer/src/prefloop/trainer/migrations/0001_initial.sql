-- Feedback seen (dedupe), preference pairs, erased users, adapter registry, rounds.

CREATE TABLE feedback_events (
    feedback_id uuid PRIMARY KEY,
    action text NOT NULL,
    user_id text,
    pairs int NOT NULL,
    dropped_pairs int NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pairs (
    id bigserial PRIMARY KEY,
    feedback_id uuid NOT NULL REFERENCES feedback_events (feedback_id) ON DELETE CASCADE,
    idea text NOT NULL,
    idea_hash text NOT NULL,
    prompt_template_version text NOT NULL,
    chosen text NOT NULL,
    rejected text NOT NULL,
    user_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    round_id int
);
CREATE INDEX pairs_new ON pairs (id) WHERE round_id IS NULL;
CREATE INDEX pairs_user ON pairs (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE erased_users (
    user_id text PRIMARY KEY,
    erased_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE adapters (
    version text PRIMARY KEY,
    parent text,
    base_model text NOT NULL,
    status text NOT NULL CHECK (status IN
        ('candidate', 'canary', 'active', 'retired', 'rejected', 'rolled_back')),
    manifest jsonb NOT NULL,
    metrics jsonb NOT NULL DEFAULT '{}',
    reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX adapters_one_active ON adapters (status) WHERE status = 'active';

CREATE TABLE training_runs (
    id serial PRIMARY KEY,
    trigger text NOT NULL,
    status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    train_pairs int,
    eval_pairs int,
    version text,
    metrics jsonb NOT NULL DEFAULT '{}',
    error text
);

CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    topic text NOT NULL,
    key text NOT NULL,
    payload bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
