-- 0007_adhoc_library: the ad hoc flamegraphs as a managed library.
--
-- Per profile: where it came from (an agent's upload or an import, and who
-- imported it), the raw object an import keeps next to its page, whether
-- the page refers to the agents' CDN assets (the raw variant then rewrites
-- them and cannot be sent by X-Sendfile), a pin that retention respects,
-- an operator's title and note, and the command that produced it when the
-- upload named one.  ember_audit records who did what, and when.

ALTER TABLE AdhocFlamegraphMetadata
	ADD COLUMN source text NOT NULL DEFAULT 'agent'
		CHECK (source IN ('agent', 'import')),
	ADD COLUMN importer text NULL,
	ADD COLUMN raw_key text NULL,
	ADD COLUMN refers_cdn boolean NOT NULL DEFAULT false,
	ADD COLUMN pinned boolean NOT NULL DEFAULT false,
	ADD COLUMN title text NOT NULL DEFAULT ''
		CHECK (length(title) <= 200),
	ADD COLUMN note text NOT NULL DEFAULT ''
		CHECK (length(note) <= 4000),
	ADD COLUMN command_id uuid NULL;

COMMENT ON COLUMN AdhocFlamegraphMetadata.refers_cdn IS
	'the page loads the agents'' CDN assets (cdn_refers at ingestion)';
COMMENT ON COLUMN AdhocFlamegraphMetadata.command_id IS
	'the ProfilingCommands.command_id the upload named, if any';

-- Retention walks unpinned rows oldest first.
CREATE INDEX idx_adhoc_metadata_retention ON AdhocFlamegraphMetadata
	(created_at) WHERE NOT pinned;

CREATE TABLE ember_audit (
	id bigserial PRIMARY KEY,
	done_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
	actor text NOT NULL,
	action text NOT NULL CHECK (action IN ('profile_request', 'stop',
		'delete', 'pin', 'unpin', 'note', 'import', 'retention')),
	service_name text NOT NULL,
	target text NOT NULL DEFAULT '',
	detail jsonb NULL
);

COMMENT ON TABLE ember_audit IS
	'who did what: actor is REMOTE_USER, or anonymous';
COMMENT ON COLUMN ember_audit.target IS
	'a request id, or the flamegraph file name';

CREATE INDEX ember_audit_service_at ON ember_audit (service_name, done_at DESC);
CREATE INDEX ember_audit_target ON ember_audit (target) WHERE target <> '';
