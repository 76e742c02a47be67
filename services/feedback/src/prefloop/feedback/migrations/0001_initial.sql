-- Served sets (from SuggestionsServed), feedback and the outbox.

CREATE TABLE suggestion_sets (
    id uuid PRIMARY KEY,
    idea text NOT NULL,
    prompt_template_version text NOT NULL,
    model_version text NOT NULL,
    user_id text,
    served_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX suggestion_sets_served_at ON suggestion_sets (served_at);
CREATE INDEX suggestion_sets_user ON suggestion_sets (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE suggestions (
    id uuid PRIMARY KEY,
    set_id uuid NOT NULL REFERENCES suggestion_sets (id) ON DELETE CASCADE,
    idx int NOT NULL,
    text text NOT NULL,
    model_version text NOT NULL
);
CREATE INDEX suggestions_set ON suggestions (set_id);

CREATE TABLE feedback (
    id uuid PRIMARY KEY,
    set_id uuid NOT NULL,
    action text NOT NULL CHECK (action IN ('accept', 'edit', 'reject_all')),
    suggestion_id uuid,
    edited_text text,
    user_id text,
    body_hash text NOT NULL,
    status text NOT NULL CHECK (status IN ('recorded', 'pending', 'expired', 'invalid')),
    status_detail text,
    model_version text,
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
);
-- One terminal feedback per set; expired or invalid attempts do not block a new one.
CREATE UNIQUE INDEX feedback_one_per_set ON feedback (set_id) WHERE status IN ('recorded', 'pending');
CREATE INDEX feedback_pending ON feedback (created_at) WHERE status = 'pending';
CREATE INDEX feedback_user ON feedback (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    topic text NOT NULL,
    key text NOT NULL,
    payload bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
