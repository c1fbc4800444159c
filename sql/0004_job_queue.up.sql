-- 0004_job_queue: the "pg" backend of the job queue (shared/queue_pg.c).
--
-- At-least-once delivery with a visibility timeout, like SQS:
--   send     INSERT a row (visible_at = now()); a trigger NOTIFYs
--            "ember_queue_<queue>" so long-polling consumers wake at once.
--   receive  pick visible rows with FOR UPDATE SKIP LOCKED (so concurrent
--            consumers never get the same row), push visible_at to
--            now() + visibility, bump receive_count and give the row a new
--            random receipt; only the latest receipt can delete it.
--   delete   DELETE ... WHERE receipt = $1.
--   dead     move the row to job_dead_letter with the last error, in one
--            statement (DELETE ... RETURNING feeding an INSERT).

CREATE TABLE ember_job_queue (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	seq bigserial NOT NULL,
	queue text NOT NULL CHECK (queue ~ '^[a-z0-9_]{1,48}$'),
	body text NOT NULL,
	sent_at timestamptz NOT NULL DEFAULT now(),
	visible_at timestamptz NOT NULL DEFAULT now(),
	receive_count integer NOT NULL DEFAULT 0,
	receipt uuid NULL UNIQUE,
	last_received_at timestamptz NULL
);

COMMENT ON TABLE ember_job_queue IS 'pg queue backend: one row per message not yet deleted';
COMMENT ON COLUMN ember_job_queue.visible_at IS 'the message may be received again from this time';
COMMENT ON COLUMN ember_job_queue.receipt IS 'handle of the latest receive; a new one each receive';

-- The receive scan: oldest visible first.
CREATE INDEX ember_job_queue_ready ON ember_job_queue (queue, visible_at, seq);

CREATE TABLE ember_job_dead_letter (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	queue text NOT NULL,
	msg_id uuid NOT NULL,
	body text NOT NULL,
	reason text NOT NULL DEFAULT '',
	receive_count integer NOT NULL DEFAULT 0,
	sent_at timestamptz NOT NULL,
	failed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ember_job_dead_letter_queue ON ember_job_dead_letter (queue, failed_at);

CREATE FUNCTION ember_job_queue_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('ember_queue_' || NEW.queue, '');
	RETURN NULL;
END;
$$;

CREATE TRIGGER ember_job_queue_notify
	AFTER INSERT ON ember_job_queue
	FOR EACH ROW EXECUTE FUNCTION ember_job_queue_notify();
