-- depends: 0001_initial
-- Erasure that erases: outbox rows name the user they carry data of, so an
-- erased user's are deleted at once (sent rows are pruned after a retention
-- window); a tombstone keeps a late or replayed set of an erased user out.
ALTER TABLE outbox ADD COLUMN user_id text;
CREATE INDEX outbox_user ON outbox (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

CREATE TABLE erased_users (
    user_id text PRIMARY KEY,
    erased_at timestamptz NOT NULL DEFAULT now()
);
