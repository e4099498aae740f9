-- ctnas 0.1.0 -> 0.2.0.  A fresh CREATE EXTENSION runs ctnas--0.1.0.sql and then this script, so a new
-- database and an upgraded one are the same.  This script grows with every change until 0.2.0 ships.
\echo Use "ALTER EXTENSION ctnas UPDATE TO '0.2.0'" to load this file. \quit

-------------------------------------------------------------------------------
-- The extension's schema must be one that no plain role controls.  A schema
-- made before CREATE EXTENSION by someone else could later be renamed and
-- replaced by its owner (the launcher and the workers would then run the
-- owner's objects).  As PostgreSQL's fixes for CVE-2022-2625 teach: refuse it.
-------------------------------------------------------------------------------
DO $check$
DECLARE
	owner_name name;
	owner_super bool;
BEGIN
	SELECT r.rolname, r.rolsuper INTO owner_name, owner_super
	FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
	WHERE n.oid OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace;
	IF NOT owner_super THEN
		RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
			MESSAGE = pg_catalog.format('schema %s is owned by role %s, which is not a superuser', '@extschema@', owner_name),
			DETAIL = 'ctnas runs background workers that use the objects in its schema; a schema that a plain role owns could be replaced by that role.',
			HINT = 'Drop the schema (or let a superuser own it) and run CREATE EXTENSION ctnas again: it creates its schema itself.';
	END IF;
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
			   WHERE n.oid OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
			   AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
			   AND NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) a.grantee), false)) THEN
		RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
			MESSAGE = pg_catalog.format('roles other than superusers may create objects in schema %s', '@extschema@'),
			HINT = pg_catalog.format('REVOKE CREATE ON SCHEMA %s FROM PUBLIC (and from every other role that is not a superuser).', '@extschema@');
	END IF;
END
$check$;

-------------------------------------------------------------------------------
-- Owners are roles, not names: a role created later under a dropped role's
-- name must not inherit its models, jobs and schedules.  owner stays the
-- role's name (what users read, compare and dump); owner_oid binds the row
-- to the role that had that name when the row was written, and is what
-- access and the launcher go by.  A trigger sets it (users cannot choose
-- it): from the name on INSERT (so a restore into another cluster, where
-- OIDs differ, gives the rows to the roles of those names there) and when
-- owner changes; 0 when no role has the name (nobody's row).  The launcher
-- sets 0 on rows whose role was dropped, and a row inserted with 0 keeps it,
-- so a dump does not hand them to a role created later under that name.
-------------------------------------------------------------------------------

-- the old policies and the session-role guard go; the new ones follow
DROP POLICY models_insert ON @extschema@.models;
DROP POLICY models_update ON @extschema@.models;
DROP POLICY models_delete ON @extschema@.models;
DROP POLICY search_jobs_owner ON @extschema@.search_jobs;
DROP POLICY search_schedules_owner ON @extschema@.search_schedules;
DROP TRIGGER search_jobs_session_role ON @extschema@.search_jobs;
DROP TRIGGER search_schedules_session_role ON @extschema@.search_schedules;
DROP FUNCTION @extschema@.search_session_role_guard();
DROP VIEW @extschema@.search_activity;
DROP FUNCTION @extschema@.search_job_stale(@extschema@.search_jobs);
DROP FUNCTION @extschema@.search_worker_alive(int4, timestamptz);
DROP FUNCTION @extschema@.search_unschedule(text);

ALTER TABLE @extschema@.models ADD COLUMN owner_oid oid;
ALTER TABLE @extschema@.search_jobs ADD COLUMN owner_oid oid;
ALTER TABLE @extschema@.search_schedules ADD COLUMN owner_oid oid;
UPDATE @extschema@.models m SET owner_oid = coalesce((SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) m.owner), 0);
UPDATE @extschema@.search_jobs j SET owner_oid = coalesce((SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) j.owner), 0);
UPDATE @extschema@.search_schedules s SET owner_oid = coalesce((SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) s.owner), 0);
ALTER TABLE @extschema@.models ALTER COLUMN owner_oid SET NOT NULL;
ALTER TABLE @extschema@.search_jobs ALTER COLUMN owner_oid SET NOT NULL;
ALTER TABLE @extschema@.search_schedules ALTER COLUMN owner_oid SET NOT NULL;
COMMENT ON COLUMN @extschema@.models.owner_oid IS 'the owner role (set from owner by a trigger; 0: no such role)';
COMMENT ON COLUMN @extschema@.search_jobs.owner_oid IS 'the owner role (set from owner by a trigger; 0: no such role)';
COMMENT ON COLUMN @extschema@.search_schedules.owner_oid IS 'the owner role (set from owner by a trigger; 0: no such role)';

CREATE FUNCTION @extschema@.owner_bind() RETURNS trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND NEW.owner_oid OPERATOR(pg_catalog.=) 0 THEN
		NULL;	-- a row restored as nobody's (its role was dropped where it was dumped) stays nobody's
	ELSIF TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.owner IS DISTINCT FROM OLD.owner THEN
		NEW.owner_oid := coalesce((SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) NEW.owner), 0);
	ELSIF NEW.owner_oid OPERATOR(pg_catalog.=) 0 THEN
		NULL;	-- made nobody's (the launcher, for a dropped role; for anyone else row-level security refuses it)
	ELSE
		NEW.owner_oid := OLD.owner_oid;
	END IF;
	RETURN NEW;
END $$;
COMMENT ON FUNCTION @extschema@.owner_bind() IS 'trigger: binds a row to the role its owner names';
CREATE TRIGGER models_owner_bind BEFORE INSERT OR UPDATE ON @extschema@.models
	FOR EACH ROW EXECUTE FUNCTION @extschema@.owner_bind();
CREATE TRIGGER search_jobs_owner_bind BEFORE INSERT OR UPDATE ON @extschema@.search_jobs
	FOR EACH ROW EXECUTE FUNCTION @extschema@.owner_bind();
CREATE TRIGGER search_schedules_owner_bind BEFORE INSERT OR UPDATE ON @extschema@.search_schedules
	FOR EACH ROW EXECUTE FUNCTION @extschema@.owner_bind();

-- A job runs as its owner and nothing else: the worker no longer logs in as the submitting session,
-- and what a worker owns (its pid, its start) lives in search_workers, which no plain role can write.
-- The 0.1.0 columns for them stay, always NULL, so that 0.1.0 dumps restore into 0.2.0.
ALTER TABLE @extschema@.search_jobs
	ALTER COLUMN session_role DROP NOT NULL, ALTER COLUMN session_role DROP DEFAULT;
ALTER TABLE @extschema@.search_schedules
	ALTER COLUMN session_role DROP NOT NULL, ALTER COLUMN session_role DROP DEFAULT;
UPDATE @extschema@.search_jobs SET session_role = NULL, worker_pid = NULL, worker_start = NULL,
	postmaster_start = NULL, submit_xid = NULL;
UPDATE @extschema@.search_schedules SET session_role = NULL;
COMMENT ON COLUMN @extschema@.search_jobs.session_role IS 'unused since 0.2.0 (always NULL; kept so that 0.1.0 dumps restore)';
COMMENT ON COLUMN @extschema@.search_jobs.worker_pid IS 'unused since 0.2.0 (always NULL; see search_workers)';
COMMENT ON COLUMN @extschema@.search_jobs.worker_start IS 'unused since 0.2.0 (always NULL; see search_workers)';
COMMENT ON COLUMN @extschema@.search_jobs.postmaster_start IS 'unused since 0.2.0 (always NULL; see search_workers)';
COMMENT ON COLUMN @extschema@.search_jobs.submit_xid IS 'unused since 0.2.0 (always NULL)';
COMMENT ON COLUMN @extschema@.search_schedules.session_role IS 'unused since 0.2.0 (always NULL; kept so that 0.1.0 dumps restore)';
CREATE FUNCTION @extschema@.search_jobs_legacy_null() RETURNS trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	NEW.session_role := NULL;
	IF TG_TABLE_NAME OPERATOR(pg_catalog.=) 'search_jobs' THEN
		NEW.worker_pid := NULL;
		NEW.worker_start := NULL;
		NEW.postmaster_start := NULL;
		NEW.submit_xid := NULL;
	END IF;
	RETURN NEW;
END $$;
COMMENT ON FUNCTION @extschema@.search_jobs_legacy_null() IS 'trigger: the 0.1.0 columns of jobs and schedules stay NULL';
CREATE TRIGGER search_jobs_legacy_null BEFORE INSERT OR UPDATE ON @extschema@.search_jobs
	FOR EACH ROW EXECUTE FUNCTION @extschema@.search_jobs_legacy_null();
CREATE TRIGGER search_schedules_legacy_null BEFORE INSERT OR UPDATE ON @extschema@.search_schedules
	FOR EACH ROW EXECUTE FUNCTION @extschema@.search_jobs_legacy_null();
COMMENT ON COLUMN @extschema@.search_jobs.schedule IS 'the schedule (of the same owner) that submitted it';

-- A job's id keys its results and its submission time orders the queue (src/pg/search_job_keys.c): a
-- row inserted without an id gets the next id of the sequence that no row holds (ids that rows took
-- by hand, a restore's, are skipped, so no role can fail another's submits by taking them); a row
-- inserted with an id keeps it, so that an owner restoring its own dump gets its jobs back with their
-- results.  A role that is not a superuser does not choose when its queued job was submitted.  The
-- sequence is no longer dumped: a plain role could not restore its state (setval needs UPDATE on it,
-- which would let any role move it), and the trigger makes it unnecessary.
CREATE FUNCTION @extschema@.search_jobs_keys() RETURNS trigger
	AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.search_jobs_keys() IS 'trigger: job ids from the sequence (skipping taken ones) unless given; submission times of queued jobs from the clock';
ALTER TABLE @extschema@.search_jobs ALTER COLUMN id DROP DEFAULT;
ALTER EXTENSION ctnas DROP SEQUENCE @extschema@.search_jobs_id_seq;
ALTER EXTENSION ctnas ADD SEQUENCE @extschema@.search_jobs_id_seq;
CREATE TRIGGER search_jobs_keys BEFORE INSERT OR UPDATE ON @extschema@.search_jobs
	FOR EACH ROW EXECUTE FUNCTION @extschema@.search_jobs_keys();

-- models' trigger reaches nac_info through the schema its table is in (0.1.0 named @extschema@, which
-- a rename would have broken, and which another schema could take)
CREATE OR REPLACE FUNCTION @extschema@.models_set_info() RETURNS trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NEW.weights IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'not_null_violation',
			MESSAGE = 'null value in column "weights" of relation "models" violates not-null constraint';
	END IF;
	EXECUTE pg_catalog.format('SELECT %I.nac_info($1)', TG_TABLE_SCHEMA) INTO NEW.info USING NEW.weights;
	RETURN NEW;
END $$;

-- Schedules are named per owner: a role neither collides with nor learns of another's names.
ALTER TABLE @extschema@.search_schedules DROP CONSTRAINT search_schedules_pkey;
CREATE UNIQUE INDEX search_schedules_owner_name ON @extschema@.search_schedules (owner_oid, name)
	WHERE owner_oid OPERATOR(pg_catalog.<>) 0;
COMMENT ON COLUMN @extschema@.search_schedules.last_job IS 'the job the launcher submitted last: no new one while it is queued or running';

-- (pg_has_role of 0, or of a role that no longer exists, is false: such rows are nobody's but superusers')
CREATE POLICY models_insert ON @extschema@.models FOR INSERT
	WITH CHECK (pg_catalog.pg_has_role(owner_oid, 'MEMBER'));
CREATE POLICY models_update ON @extschema@.models FOR UPDATE
	USING (pg_catalog.pg_has_role(owner_oid, 'MEMBER')) WITH CHECK (pg_catalog.pg_has_role(owner_oid, 'MEMBER'));
CREATE POLICY models_delete ON @extschema@.models FOR DELETE
	USING (pg_catalog.pg_has_role(owner_oid, 'MEMBER'));
CREATE POLICY search_jobs_owner ON @extschema@.search_jobs
	USING (pg_catalog.pg_has_role(owner_oid, 'MEMBER'));
CREATE POLICY search_schedules_owner ON @extschema@.search_schedules
	USING (pg_catalog.pg_has_role(owner_oid, 'MEMBER'));

-- What pg_dump takes of the extension's tables: the rows of the roles the dumping role is a member of
-- (a superuser is a member of every role, so its dumps hold everything, as in 0.1.0); so a plain
-- role's dump holds what it can restore (models are readable by every role, but a role cannot insert
-- another's).  Plain roles dump with --enable-row-security --inserts
-- and restore with --enable-row-security: COPY FROM refuses tables with row-level security.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.models',
	'WHERE pg_catalog.pg_has_role(owner_oid, ''MEMBER'')');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.search_jobs',
	'WHERE pg_catalog.pg_has_role(owner_oid, ''MEMBER'')');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.search_schedules',
	'WHERE pg_catalog.pg_has_role(owner_oid, ''MEMBER'')');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.search_results',
	'WHERE EXISTS (SELECT 1 FROM @extschema@.search_jobs j WHERE j.id OPERATOR(pg_catalog.=) job_id AND pg_catalog.pg_has_role(j.owner_oid, ''MEMBER''))');

-------------------------------------------------------------------------------
-- The worker of a job: written only by the worker itself (and the launcher),
-- read by search_cancel (whom to signal) and by the staleness check.  Not
-- dumped: it describes processes of one server.  Roles read the rows of
-- their jobs, and write none (not even a delete, which would let a second
-- worker start beside a running one).
-------------------------------------------------------------------------------
CREATE TABLE @extschema@.search_workers (
	job_id int8 PRIMARY KEY,
	pid int4 NOT NULL,
	backend_start timestamptz NOT NULL,		-- with pid and the database, identifies the process
	postmaster_start timestamptz NOT NULL,	-- of the server it ran under
	claimed bool NOT NULL DEFAULT false		-- it has taken the job (status running)
);
COMMENT ON TABLE @extschema@.search_workers IS 'the background worker of each job (written by workers only)';
ALTER TABLE @extschema@.search_workers ENABLE ROW LEVEL SECURITY;
CREATE POLICY search_workers_owner ON @extschema@.search_workers
	USING (EXISTS (SELECT 1 FROM @extschema@.search_jobs j WHERE j.id OPERATOR(pg_catalog.=) job_id));
GRANT SELECT ON @extschema@.search_workers TO PUBLIC;

-- What a job's row should say when its worker is gone (a crash, a restart, a terminate, a worker that
-- died before it took the job): {} when it is fine.  In C: it reads search_workers and the server's
-- process table.
CREATE FUNCTION @extschema@.search_job_stale(j @extschema@.search_jobs) RETURNS jsonb
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.search_job_stale(@extschema@.search_jobs) IS 'the changes a job row needs when its worker is gone';

CREATE FUNCTION @extschema@.search_unschedule(name text, owner regrole DEFAULT NULL) RETURNS bool
	LANGUAGE sql VOLATILE PARALLEL UNSAFE
	BEGIN ATOMIC
		WITH d AS (DELETE FROM @extschema@.search_schedules s
				   WHERE s.name OPERATOR(pg_catalog.=) search_unschedule.name
				   AND s.owner_oid OPERATOR(pg_catalog.=) coalesce(search_unschedule.owner,
										pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)))::pg_catalog.oid
				   RETURNING 1)
		SELECT count(*) OPERATOR(pg_catalog.>) 0 FROM d;
	END;
COMMENT ON FUNCTION @extschema@.search_unschedule(text, regrole) IS 'removes a schedule of the current role (or of owner, a role it is a member of); its jobs stay; false if there was none';

CREATE VIEW @extschema@.search_activity WITH (security_invoker = true) AS
	SELECT j.id, j.owner, j.method, j.oracle, j.budget, j.status, w.pid AS worker_pid,
		   (j.progress OPERATOR(pg_catalog.->>) 'phase') AS phase,
		   (j.progress OPERATOR(pg_catalog.->>) 'iteration')::int8 AS iteration,
		   (j.progress OPERATOR(pg_catalog.->>) 'queries')::int4 AS queries,
		   (j.progress OPERATOR(pg_catalog.->>) 'best_acc')::float8 AS best_acc,
		   j.submitted_at, j.started_at, pg_catalog.now() OPERATOR(pg_catalog.-) j.started_at AS running_for,
		   a.state AS backend_state, a.wait_event
	FROM @extschema@.search_jobs j
	LEFT JOIN @extschema@.search_workers w ON w.job_id OPERATOR(pg_catalog.=) j.id
	LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) w.pid
		AND a.backend_start OPERATOR(pg_catalog.=) w.backend_start
	WHERE j.status IN ('queued', 'running');
COMMENT ON VIEW @extschema@.search_activity IS 'queued and running search jobs with their progress, like pg_stat_activity (backend_state and wait_event need pg_read_all_stats: workers run under the bootstrap superuser''s session)';
GRANT SELECT ON @extschema@.search_activity TO PUBLIC;

-------------------------------------------------------------------------------
-- A NULL argument of a search is an error, not a silent NULL or empty result
-- (they were STRICT); and reading a nas_bench.json is for the role that may
-- read server files, as documented.
-------------------------------------------------------------------------------
ALTER FUNCTION @extschema@.search_submit(text, int4, jsonb, text) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.search_schedule(text, interval, text, int4, jsonb, text) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.random_search(text, int4, jsonb) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.evolution_search(text, int4, jsonb) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.ctnas_search(text, int4, jsonb) CALLED ON NULL INPUT;
GRANT EXECUTE ON FUNCTION @extschema@.nb101_read_json(text) TO pg_read_server_files;

-------------------------------------------------------------------------------
-- Honest costs (test/bench/function_costs.sql: time per call on the shipped
-- sample, in units of a built-in operator call).  With them the planner
-- evaluates an expensive function in a select list after ORDER BY ... LIMIT,
-- not for every row.  Functions measured at about one unit keep COST 1.
-------------------------------------------------------------------------------
ALTER FUNCTION @extschema@.archgraph_in(cstring) COST 1000;
ALTER FUNCTION @extschema@.archgraph_out(archgraph) COST 50;
ALTER FUNCTION @extschema@.archgraph_send(archgraph) COST 40;
ALTER FUNCTION @extschema@.archgraph_recv(internal) COST 1000;	-- (it runs archgraph_in's checks)
ALTER FUNCTION @extschema@.archgraph(int4[], text[]) COST 250;
ALTER FUNCTION @extschema@.archgraph_from_flat(text, text) COST 150;
ALTER FUNCTION @extschema@.archgraph_ops(archgraph) COST 40;
ALTER FUNCTION @extschema@.archgraph_matrix(archgraph) COST 50;
ALTER FUNCTION @extschema@.archgraph_dot(archgraph) COST 350;
ALTER FUNCTION @extschema@.archgraph_hash(archgraph) COST 5000;
ALTER FUNCTION @extschema@.archgraph_random(int8) COST 150;
ALTER FUNCTION @extschema@.archgraph_mutate(archgraph, int8) COST 250;
ALTER FUNCTION @extschema@.nac_score(archgraph) COST 3000;
ALTER FUNCTION @extschema@.nac_score(archgraph, text) COST 3000;
ALTER FUNCTION @extschema@.nac_score(archgraph, bytea) COST 3000;
ALTER FUNCTION @extschema@.nac_compare(archgraph, archgraph) COST 3000;
ALTER FUNCTION @extschema@.nac_compare(archgraph, archgraph, text) COST 3000;
ALTER FUNCTION @extschema@.nac_compare(archgraph, archgraph, bytea) COST 3000;

-------------------------------------------------------------------------------
-- The type's operators resolve without search_path: = <> < <= > >= on
-- archgraph live in pg_catalog, which every lookup searches (pgvector users
-- never meet this because pgvector lives in public; ctnas keeps its own
-- schema, so its jobs and models are out of the way, and moves just these).
-- They stay the members of the operator classes, so indexes, merge and hash
-- joins serve a plain `=`.  OPERATOR(ctnas.=) and the like, which 0.1.0's
-- README suggested, keep working: they are operators of the same functions,
-- outside the operator classes (so no index serves them: write `=`).
-------------------------------------------------------------------------------
ALTER OPERATOR @extschema@.= (@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA pg_catalog;
ALTER OPERATOR @extschema@.<> (@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA pg_catalog;
ALTER OPERATOR @extschema@.< (@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA pg_catalog;
ALTER OPERATOR @extschema@.<= (@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA pg_catalog;
ALTER OPERATOR @extschema@.> (@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA pg_catalog;
ALTER OPERATOR @extschema@.>= (@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA pg_catalog;
CREATE OPERATOR @extschema@.= (
	LEFTARG = @extschema@.archgraph, RIGHTARG = @extschema@.archgraph, PROCEDURE = @extschema@.archgraph_eq,
	COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>), RESTRICT = eqsel, JOIN = eqjoinsel
);
CREATE OPERATOR @extschema@.<> (
	LEFTARG = @extschema@.archgraph, RIGHTARG = @extschema@.archgraph, PROCEDURE = @extschema@.archgraph_ne,
	COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=), RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR @extschema@.< (
	LEFTARG = @extschema@.archgraph, RIGHTARG = @extschema@.archgraph, PROCEDURE = @extschema@.archgraph_lt,
	COMMUTATOR = OPERATOR(@extschema@.>), NEGATOR = OPERATOR(@extschema@.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR @extschema@.<= (
	LEFTARG = @extschema@.archgraph, RIGHTARG = @extschema@.archgraph, PROCEDURE = @extschema@.archgraph_le,
	COMMUTATOR = OPERATOR(@extschema@.>=), NEGATOR = OPERATOR(@extschema@.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR @extschema@.> (
	LEFTARG = @extschema@.archgraph, RIGHTARG = @extschema@.archgraph, PROCEDURE = @extschema@.archgraph_gt,
	COMMUTATOR = OPERATOR(@extschema@.<), NEGATOR = OPERATOR(@extschema@.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR @extschema@.>= (
	LEFTARG = @extschema@.archgraph, RIGHTARG = @extschema@.archgraph, PROCEDURE = @extschema@.archgraph_ge,
	COMMUTATOR = OPERATOR(@extschema@.<=), NEGATOR = OPERATOR(@extschema@.<), RESTRICT = scalargesel, JOIN = scalargejoinsel
);

-------------------------------------------------------------------------------
-- Search spaces (issue 12): an archgraph is an architecture of a space,
-- NAS-Bench-101 as in 0.1.0 (its values, text, hash, order and binary form
-- are unchanged) or NAS-Bench-201.  Text input finds its space: a JSON object
-- with a "space" key is of that space; without one, NAS-Bench-101's keys; the
-- NAS-Bench-201 string '|op~0|+|...|' is NAS-Bench-201's.  Values of two
-- spaces compare by space first.  The accessors go through the space.
-------------------------------------------------------------------------------
COMMENT ON EXTENSION ctnas IS 'architectures of NAS-Bench-101 and NAS-Bench-201, neural architecture comparators and CTNAS search';
COMMENT ON TYPE @extschema@.archgraph IS 'an architecture of a search space: a NAS-Bench-101 cell (stored pruned and canonical) or a NAS-Bench-201 cell (its 6 edge ops)';
COMMENT ON FUNCTION @extschema@.archgraph_hash(@extschema@.archgraph) IS 'NAS-Bench-101 module hash (32 hex digits, the key of its official data); other spaces: an error (archgraph_index)';
COMMENT ON FUNCTION @extschema@.archgraph_nodes(@extschema@.archgraph) IS 'number of nodes (NAS-Bench-101: input and output included; NAS-Bench-201: 4)';
COMMENT ON FUNCTION @extschema@.archgraph_edges(@extschema@.archgraph) IS 'number of edges (NAS-Bench-201: edges whose op is not none)';
COMMENT ON FUNCTION @extschema@.archgraph_ops(@extschema@.archgraph) IS 'op names: node by node (NAS-Bench-101), edge by edge in the string''s order (NAS-Bench-201)';
COMMENT ON FUNCTION @extschema@.archgraph_matrix(@extschema@.archgraph) IS 'adjacency matrix (NAS-Bench-101; other spaces: an error)';
COMMENT ON FUNCTION @extschema@.archgraph_mutate(@extschema@.archgraph, int8) IS 'one change as the space''s own evolution makes it (NAS-Bench-101: an edge or op; NAS-Bench-201: one edge''s op), deterministic per seed';

CREATE FUNCTION @extschema@.archgraph_space(arch @extschema@.archgraph) RETURNS text
	AS 'MODULE_PATHNAME', 'archgraph_space' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.archgraph_space(@extschema@.archgraph) IS 'the search space: nb101 or nb201';
CREATE FUNCTION @extschema@.archgraph_canonical(arch @extschema@.archgraph) RETURNS @extschema@.archgraph
	AS 'MODULE_PATHNAME', 'archgraph_canonical' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20;
COMMENT ON FUNCTION @extschema@.archgraph_canonical(@extschema@.archgraph) IS 'the representative of the isomorphism class (NAS-Bench-201: as its Structure.to_unique_str, the member with the smallest index; NAS-Bench-101: the value itself)';
CREATE FUNCTION @extschema@.archgraph_index(arch @extschema@.archgraph) RETURNS int8
	AS 'MODULE_PATHNAME', 'archgraph_index' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION @extschema@.archgraph_index(@extschema@.archgraph) IS 'the benchmark''s own index (NAS-Bench-201: its API index 0..15624); NAS-Bench-101: an error (archgraph_hash)';
CREATE FUNCTION @extschema@.archgraph_random(seed int8, space text) RETURNS @extschema@.archgraph
	AS 'MODULE_PATHNAME', 'archgraph_random_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 150;
COMMENT ON FUNCTION @extschema@.archgraph_random(int8, text) IS 'an architecture drawn as the space''s own sampler does (nb101, nb201, darts), deterministic per seed';
CREATE FUNCTION @extschema@.archgraph_enumerate(space text) RETURNS SETOF @extschema@.archgraph
	AS 'MODULE_PATHNAME', 'archgraph_enumerate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5 ROWS 15625;
COMMENT ON FUNCTION @extschema@.archgraph_enumerate(text) IS 'every architecture of a finite space in the benchmark''s order (nb201: 15,625 cells); nb101: an error';
CREATE FUNCTION @extschema@.search_spaces() RETURNS TABLE (name text, id int4, title text, architectures numeric, enumerable bool, text_forms text)
	AS 'MODULE_PATHNAME', 'search_spaces' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5 ROWS 2;
COMMENT ON FUNCTION @extschema@.search_spaces() IS 'the search spaces this build knows';

-------------------------------------------------------------------------------
-- ctnas.help(): the user-facing API by task (the support functions are in
-- ctnas_internal, below).  A pg_regress test checks that every function named
-- here exists, and that ctnas has no other.
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.help() RETURNS TABLE (task text, call text, what text)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	BEGIN ATOMIC
	SELECT * FROM (VALUES
		('cells', '''{"matrix": [[...]], "ops": [...]}''::ctnas.archgraph', 'a NAS-Bench-101 cell: validated, pruned, canonical; = and the order work without search_path'),
		('cells', '''|nor_conv_3x3~0|+|...|''::ctnas.archgraph', 'a NAS-Bench-201 cell, as the benchmark writes it (or {"space": "nb201", "arch": ...})'),
		('cells', 'ctnas.archgraph_space(arch), ctnas.search_spaces()', 'the space of an architecture; the spaces there are'),
		('cells', 'ctnas.archgraph_canonical(arch)', 'the representative of its isomorphism class (NAS-Bench-201: as its to_unique_str)'),
		('cells', 'ctnas.archgraph_index(arch), ctnas.archgraph_enumerate(space)', 'NAS-Bench-201''s own index; every cell of a finite space'),
		('cells', 'ctnas.archgraph_random(seed, space)', 'a cell drawn as the space''s benchmark draws one'),
		('cells', 'ctnas.archgraph(matrix int4[], ops text[])', 'a cell from an adjacency matrix and op names'),
		('cells', 'ctnas.archgraph_from_flat(adjacency text, ops text)', 'a cell from the NAS-Bench-101 CSV form'),
		('cells', 'ctnas.archgraph_hash(arch)', 'NAS-Bench-101 module hash (the key of the official data)'),
		('cells', 'ctnas.archgraph_nodes(arch), ctnas.archgraph_edges(arch), ctnas.archgraph_ops(arch), ctnas.archgraph_matrix(arch)', 'what a cell is made of'),
		('cells', 'ctnas.archgraph_dot(arch)', 'Graphviz DOT text (psql -XAt -c ... | dot -Tpng)'),
		('cells', 'ctnas.archgraph_random(seed), ctnas.archgraph_mutate(arch, seed)', 'NAS-Bench-101''s sampler; one edge or op change'),
		('data', 'ctnas.nb101_read_json(path)', 'records of CTNAS''s nas_bench.json on the server (members of pg_read_server_files)'),
		('NAC', 'ctnas.nac_train(arch, acc [, options])', 'aggregate: trains a neural architecture comparator, returns the model (bytea)'),
		('NAC', 'INSERT INTO ctnas.models (name, weights) SELECT ..., ctnas.nac_train(...)', 'stores a model (its owner changes it, every role uses it)'),
		('NAC', 'ctnas.nac_compare(a, b [, model])', 'P(a is better than b)'),
		('NAC', 'ctnas.nac_score(arch [, model])', 'a ranking score (higher is better)'),
		('NAC', 'ctnas.nac_info(weights)', 'what a model blob holds'),
		('ranking', 'ctnas.kendall_tau(x, y)', 'aggregate: Kendall''s tau-b'),
		('ranking', 'ctnas.ctnas_ktau(arch, acc [, model] ORDER BY ...)', 'aggregate: CTNAS''s pairwise KTau of a NAC'),
		('ranking', 'ctnas.torch_randperm(n, seed)', 'torch.randperm, for CTNAS''s splits'),
		('search', 'ctnas.ctnas_search(oracle, budget, options)', 'the CTNAS search (recipe "default" or "paper") in this session'),
		('search', 'ctnas.random_search(oracle, budget, options)', 'random search in the same harness'),
		('search', 'ctnas.evolution_search(oracle, budget, options)', 'regularized evolution in the same harness'),
		('search', 'ctnas.local_search(oracle, budget, options)', 'local search (White et al. 2021): climbs to better neighbours, restarts at local optima'),
		('jobs', 'ctnas.search_submit(oracle, budget, options, method)', 'a search in a background worker; returns its id'),
		('jobs', 'ctnas.search_status(id), ctnas.search_wait(id, timeout)', 'a job''s row (waiting until it has ended)'),
		('jobs', 'ctnas.search_cancel(id)', 'stops a job'),
		('jobs', 'ctnas.search_recover()', 'records what happened to jobs whose worker is gone; starts queued ones (without a launcher)'),
		('jobs', 'SELECT * FROM ctnas.search_activity', 'queued, running and waiting jobs with their progress and trials'),
		('jobs', 'SELECT * FROM ctnas.search_results WHERE job_id = ...', 'the rows a job returned'),
		('trials', 'ctnas.trial_claim(worker, job)', 'a training machine claims the oldest open trial of an external search (for a lease): trial, job, arch; no row when there is none'),
		('trials', 'ctnas.trial_report(trial, acc, info)', 'records a claimed trial''s accuracy; a waiting job whose trials are all in resumes'),
		('trials', 'ctnas.trial_fail(trial, reason [, worker])', 'gives a claimed trial back: proposed again, or failed after max_attempts claims'),
		('trials', 'SELECT * FROM ctnas.search_trials WHERE job_id = ...', 'the trials of a search with "evaluator": "external"'),
		('schedules', 'ctnas.search_schedule(name, every, oracle, budget, options, method)', 'a search the launcher submits every interval'),
		('schedules', 'ctnas.search_unschedule(name [, owner])', 'removes a schedule'),
		('scale', 'SELECT ctnas.citus_enable()', 'on a Citus coordinator (superuser), once the workers are added: checks every node runs this ctnas'),
		('help', 'ctnas.help()', 'this list')
	) AS h(task, call, what);
	END;
COMMENT ON FUNCTION @extschema@.help() IS 'the user-facing functions and tables of ctnas, by task';

-------------------------------------------------------------------------------
-- Support functions out of the user's way: schema ctnas keeps what users call
-- (ctnas.help() lists it; \df ctnas.* shows just that), ctnas_internal holds
-- what PostgreSQL and ctnas's own code call: the type's I/O, the operators'
-- and operator classes' functions, the aggregates' transition, final,
-- combine, serial and deserial functions, the trigger functions, and
-- search_job_stale.  They are moved, not recreated: the type, operators,
-- aggregates, triggers and users' indexes refer to them by OID and keep them.
-- (timescaledb does the same with _timescaledb_functions.)  The schema is a
-- member of the extension (DROP EXTENSION drops it), owned by the installing
-- superuser; every role may use it (for search_job_stale, which search_status
-- runs as the caller), none but superusers may create in it.  The C code finds
-- it as the extension's member schema, never by this name, and checks its
-- owner and privileges as it does ctnas's.
-------------------------------------------------------------------------------
DO $check$
DECLARE
	owner_name name;
BEGIN
	SELECT r.rolname INTO owner_name
	FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
	WHERE n.nspname OPERATOR(pg_catalog.=) 'ctnas_internal';
	IF FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'duplicate_schema',
			MESSAGE = pg_catalog.format('schema ctnas_internal already exists (owned by role %s)', owner_name),
			DETAIL = 'ctnas creates schema ctnas_internal for its support functions itself; one made beforehand could be controlled by its maker.',
			HINT = 'Drop or rename that schema and run CREATE EXTENSION ctnas (or ALTER EXTENSION ctnas UPDATE) again.';
	END IF;
END
$check$;
CREATE SCHEMA ctnas_internal;
COMMENT ON SCHEMA ctnas_internal IS 'ctnas''s support functions (type I/O, operator and aggregate support, triggers): called by PostgreSQL and ctnas, not by users';
GRANT USAGE ON SCHEMA ctnas_internal TO PUBLIC;
-- (default privileges a superuser set ON SCHEMAS apply to it: the same rule as for ctnas)
DO $check$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
			   WHERE n.nspname OPERATOR(pg_catalog.=) 'ctnas_internal'
			   AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
			   AND NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) a.grantee), false)) THEN
		RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
			MESSAGE = 'roles other than superusers may create objects in schema ctnas_internal',
			DETAIL = 'Default privileges on schemas (ALTER DEFAULT PRIVILEGES ... ON SCHEMAS) granted CREATE on the new schema.',
			HINT = 'Revoke those default privileges and run CREATE EXTENSION ctnas (or ALTER EXTENSION ctnas UPDATE) again.';
	END IF;
END
$check$;

-- the type's I/O
ALTER FUNCTION @extschema@.archgraph_in(cstring) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.archgraph_out(@extschema@.archgraph) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.archgraph_recv(internal) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.archgraph_send(@extschema@.archgraph) SET SCHEMA ctnas_internal;
-- the operators' functions, btree and hash support
ALTER FUNCTION @extschema@.archgraph_cmp(@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.archgraph_eq(@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.archgraph_ne(@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.archgraph_lt(@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.archgraph_le(@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.archgraph_gt(@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.archgraph_ge(@extschema@.archgraph, @extschema@.archgraph) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.archgraph_hashcode(@extschema@.archgraph) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.archgraph_hashcode_extended(@extschema@.archgraph, int8) SET SCHEMA ctnas_internal;
-- the aggregates' support functions
ALTER FUNCTION @extschema@.nac_train_transfn(internal, @extschema@.archgraph, float8) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.nac_train_transfn(internal, @extschema@.archgraph, float8, jsonb) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.nac_train_combinefn(internal, internal) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.nac_train_serialfn(internal) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.nac_train_deserialfn(bytea, internal) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.nac_train_finalfn(internal) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.kendall_tau_transfn(internal, float8, float8) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.kendall_tau_combinefn(internal, internal) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.kendall_tau_serialfn(internal) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.kendall_tau_deserialfn(bytea, internal) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.kendall_tau_finalfn(internal) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.ctnas_ktau_transfn(internal, @extschema@.archgraph, float8) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.ctnas_ktau_transfn(internal, @extschema@.archgraph, float8, text) SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.ctnas_ktau_finalfn(internal) SET SCHEMA ctnas_internal;
-- the trigger functions (they reach ctnas's objects through their table: TG_RELID, TG_TABLE_SCHEMA)
ALTER FUNCTION @extschema@.models_set_info() SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.models_invalidate() SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.owner_bind() SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.search_jobs_legacy_null() SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.search_jobs_keys() SET SCHEMA ctnas_internal;
-- what a job's row should say when its worker is gone (search_status, search_wait and recovery apply it)
ALTER FUNCTION @extschema@.search_job_stale(@extschema@.search_jobs) SET SCHEMA ctnas_internal;

-------------------------------------------------------------------------------
-- Local search (White et al. 2021, "Local search is state of the art for NAS
-- benchmarks"): a baseline in the same harness as random_search and
-- evolution_search, with the same rows, and a search job method 'local'.
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.local_search(oracle text, budget int4 DEFAULT 423, options jsonb DEFAULT '{}')
	RETURNS TABLE (step int4, arch @extschema@.archgraph, acc float8, final bool, queries int4)
	AS 'MODULE_PATHNAME', 'local_search' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.local_search(text, int4, jsonb) IS 'local search (White et al. 2021) over an oracle within a query budget: from a random cell to its best neighbour while it is better, restarting at local optima';
ALTER TABLE @extschema@.search_jobs DROP CONSTRAINT search_jobs_method_check;
ALTER TABLE @extschema@.search_jobs ADD CONSTRAINT search_jobs_method_check
	CHECK (method IN ('ctnas', 'random', 'evolution', 'local'));
ALTER TABLE @extschema@.search_schedules DROP CONSTRAINT search_schedules_method_check;
ALTER TABLE @extschema@.search_schedules ADD CONSTRAINT search_schedules_method_check
	CHECK (method IN ('ctnas', 'random', 'evolution', 'local'));
COMMENT ON TABLE @extschema@.search_results IS 'the rows a search job returns, as ctnas_search / random_search / evolution_search / local_search would';

-------------------------------------------------------------------------------
-- Trials (issue 14): a search job with "evaluator": "external" proposes
-- architectures as trials, which training machines claim (a lease), train
-- elsewhere and report; the job waits (status waiting, no worker process)
-- until its open trials are all reported, then is queued again and resumes.
-- src/pg/search_trials.c has the functions, the job worker proposes the
-- trials and reads the outcomes.  A trial of a job that ends (succeeded,
-- failed, cancelled) is cancelled if it was still open.
-------------------------------------------------------------------------------
ALTER TABLE @extschema@.search_jobs DROP CONSTRAINT search_jobs_status_check;
ALTER TABLE @extschema@.search_jobs ADD CONSTRAINT search_jobs_status_check
	CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'));
COMMENT ON COLUMN @extschema@.search_jobs.status IS 'queued, running, waiting (for its trials: no worker), succeeded, failed or cancelled';

CREATE TABLE @extschema@.search_trials (
	id int8 PRIMARY KEY,
	job_id int8 NOT NULL REFERENCES @extschema@.search_jobs (id) ON DELETE CASCADE,
	arch @extschema@.archgraph NOT NULL,
	status text NOT NULL DEFAULT 'proposed'
		CHECK (status IN ('proposed', 'claimed', 'done', 'failed', 'cancelled')),
	acc float8 CHECK (acc OPERATOR(pg_catalog.>) '-Infinity'::float8 AND acc OPERATOR(pg_catalog.<) 'Infinity'::float8),
	worker text,
	attempts int4 NOT NULL DEFAULT 0 CHECK (attempts OPERATOR(pg_catalog.>=) 0),
	proposed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	claimed_at timestamptz,
	lease_until timestamptz,
	reported_at timestamptz,
	info jsonb,
	error text,
	UNIQUE (job_id, arch),
	-- (NaN is above Infinity in PostgreSQL's order: the check on acc refuses it too)
	CONSTRAINT search_trials_acc_when_done CHECK ((acc IS NOT NULL) OPERATOR(pg_catalog.=) (status OPERATOR(pg_catalog.=) 'done')),
	CONSTRAINT search_trials_lease_when_claimed CHECK ((lease_until IS NOT NULL) OPERATOR(pg_catalog.=) (status OPERATOR(pg_catalog.=) 'claimed'))
);
-- ids as for jobs (search_job_keys.c): from the sequence, skipping taken ones, kept when given (a restore)
CREATE SEQUENCE @extschema@.search_trials_id_seq OWNED BY @extschema@.search_trials.id;
GRANT USAGE ON SEQUENCE @extschema@.search_trials_id_seq TO PUBLIC;
-- what trial_claim reads: the open trials, oldest first
CREATE INDEX search_trials_open ON @extschema@.search_trials (proposed_at, id)
	WHERE status IN ('proposed', 'claimed');
-- and those of one job (trial_claim(worker, job), a report asking whether its job has one left)
CREATE INDEX search_trials_open_job ON @extschema@.search_trials (job_id, proposed_at, id)
	WHERE status IN ('proposed', 'claimed');
COMMENT ON TABLE @extschema@.search_trials IS 'the architectures a search job with "evaluator": "external" has trained elsewhere: ctnas.trial_claim, trial_report, trial_fail';
COMMENT ON COLUMN @extschema@.search_trials.id IS 'the trial (from a sequence; kept when given, as a restore does)';
COMMENT ON COLUMN @extschema@.search_trials.job_id IS 'the search job that proposed it';
COMMENT ON COLUMN @extschema@.search_trials.arch IS 'the architecture to train (once per job)';
COMMENT ON COLUMN @extschema@.search_trials.status IS 'proposed (claimable), claimed (being trained), done (acc reported), failed (given up after max_attempts claims; costs the search no budget), cancelled (its job ended first)';
COMMENT ON COLUMN @extschema@.search_trials.acc IS 'the reported accuracy (finite; exactly when done)';
COMMENT ON COLUMN @extschema@.search_trials.worker IS 'who claimed it last (trial_claim''s worker argument)';
COMMENT ON COLUMN @extschema@.search_trials.attempts IS 'claims so far';
COMMENT ON COLUMN @extschema@.search_trials.proposed_at IS 'when the search proposed it (claims go oldest first)';
COMMENT ON COLUMN @extschema@.search_trials.claimed_at IS 'when it was claimed last';
COMMENT ON COLUMN @extschema@.search_trials.lease_until IS 'while claimed: until when the claim holds (after it, others may claim the trial again)';
COMMENT ON COLUMN @extschema@.search_trials.reported_at IS 'when it was reported done, or failed for good';
COMMENT ON COLUMN @extschema@.search_trials.info IS 'what the training machine reported with the accuracy (trial_report''s info)';
COMMENT ON COLUMN @extschema@.search_trials.error IS 'the reason of its last failure (trial_fail)';

CREATE FUNCTION @extschema@.search_trials_keys() RETURNS trigger
	AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.search_trials_keys() IS 'trigger: trial ids from the sequence (skipping taken ones) unless given; proposal times of open trials from the clock';
CREATE TRIGGER search_trials_keys BEFORE INSERT OR UPDATE ON @extschema@.search_trials
	FOR EACH ROW EXECUTE FUNCTION @extschema@.search_trials_keys();

-- a job that ends, by whatever path (its worker, search_cancel, recovery, the launcher), cancels its open trials
CREATE FUNCTION @extschema@.search_jobs_end_trials() RETURNS trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	EXECUTE pg_catalog.format('UPDATE %I.search_trials SET status = ''cancelled'', lease_until = NULL'
							  ' WHERE job_id OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.=) ANY (''{proposed,claimed}'')',
							  TG_TABLE_SCHEMA) USING NEW.id;
	RETURN NULL;
END $$;
COMMENT ON FUNCTION @extschema@.search_jobs_end_trials() IS 'trigger: the open trials of a job that has ended are cancelled';
CREATE TRIGGER search_jobs_end_trials AFTER UPDATE OF status ON @extschema@.search_jobs
	FOR EACH ROW WHEN (NEW.status IN ('succeeded', 'failed', 'cancelled') AND OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION @extschema@.search_jobs_end_trials();

-- a role sees, claims and reports the trials of the jobs it sees; dumps hold them as they do results
ALTER TABLE @extschema@.search_trials ENABLE ROW LEVEL SECURITY;
CREATE POLICY search_trials_owner ON @extschema@.search_trials
	USING (EXISTS (SELECT 1 FROM @extschema@.search_jobs j WHERE j.id OPERATOR(pg_catalog.=) job_id));
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.search_trials TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.search_trials',
	'WHERE EXISTS (SELECT 1 FROM @extschema@.search_jobs j WHERE j.id OPERATOR(pg_catalog.=) job_id AND pg_catalog.pg_has_role(j.owner_oid, ''MEMBER''))');

CREATE FUNCTION @extschema@.trial_claim(worker text DEFAULT NULL, job int8 DEFAULT NULL)
	RETURNS TABLE (trial int8, job int8, arch @extschema@.archgraph)
	AS 'MODULE_PATHNAME', 'trial_claim' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.trial_claim(text, int8) IS 'claims the oldest claimable trial (proposed, or with an expired lease) of a waiting or running job the caller sees (of job, if given): no row when there is none; the lease is the job''s option "lease", else ctnas.trial_lease';
CREATE FUNCTION @extschema@.trial_report(trial int8, acc float8, info jsonb DEFAULT NULL) RETURNS void
	AS 'MODULE_PATHNAME', 'trial_report' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.trial_report(int8, float8, jsonb) IS 'records a claimed trial''s accuracy (finite); when it was the last open trial of a waiting job, the job is queued again and a worker resumes it';
CREATE FUNCTION @extschema@.trial_fail(trial int8, reason text, worker text DEFAULT NULL) RETURNS text
	AS 'MODULE_PATHNAME', 'trial_fail' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.trial_fail(int8, text, text) IS 'gives a claimed trial back with the reason: proposed again (returned) while it has had fewer claims than max_attempts, else failed (the search proposes another architecture; no budget is spent on it); with worker, only that worker''s own claim';

-- the view: waiting jobs too, with their trials
DROP VIEW @extschema@.search_activity;
CREATE VIEW @extschema@.search_activity WITH (security_invoker = true) AS
	SELECT j.id, j.owner, j.method, j.oracle, j.budget, j.status, w.pid AS worker_pid,
		   (j.progress OPERATOR(pg_catalog.->>) 'phase') AS phase,
		   (j.progress OPERATOR(pg_catalog.->>) 'iteration')::int8 AS iteration,
		   (j.progress OPERATOR(pg_catalog.->>) 'queries')::int4 AS queries,
		   GREATEST((j.progress OPERATOR(pg_catalog.->>) 'best_acc')::float8, t.best_acc) AS best_acc,
		   coalesce(t.proposed, 0) AS trials_proposed, coalesce(t.claimed, 0) AS trials_claimed,
		   coalesce(t.done, 0) AS trials_done, coalesce(t.failed, 0) AS trials_failed,
		   j.submitted_at, j.started_at, pg_catalog.now() OPERATOR(pg_catalog.-) j.started_at AS running_for,
		   a.state AS backend_state, a.wait_event
	FROM @extschema@.search_jobs j
	LEFT JOIN @extschema@.search_workers w ON w.job_id OPERATOR(pg_catalog.=) j.id
		AND j.status OPERATOR(pg_catalog.<>) 'waiting'
	LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) w.pid
		AND a.backend_start OPERATOR(pg_catalog.=) w.backend_start
	LEFT JOIN LATERAL (SELECT pg_catalog.count(*) FILTER (WHERE s.status OPERATOR(pg_catalog.=) 'proposed') AS proposed,
							  pg_catalog.count(*) FILTER (WHERE s.status OPERATOR(pg_catalog.=) 'claimed') AS claimed,
							  pg_catalog.count(*) FILTER (WHERE s.status OPERATOR(pg_catalog.=) 'done') AS done,
							  pg_catalog.count(*) FILTER (WHERE s.status OPERATOR(pg_catalog.=) 'failed') AS failed,
							  pg_catalog.max(s.acc) AS best_acc
					   FROM @extschema@.search_trials s WHERE s.job_id OPERATOR(pg_catalog.=) j.id) t ON true
	WHERE j.status IN ('queued', 'running', 'waiting');
COMMENT ON VIEW @extschema@.search_activity IS 'queued, running and waiting search jobs with their progress and trials, like pg_stat_activity (backend_state and wait_event need pg_read_all_stats: workers run under the bootstrap superuser''s session)';
GRANT SELECT ON @extschema@.search_activity TO PUBLIC;
COMMENT ON FUNCTION @extschema@.search_status(int8) IS 'the job row (a job whose worker is gone is shown with its outcome); the trials of an external search are in search_trials and search_activity';
COMMENT ON FUNCTION @extschema@.search_cancel(int8) IS 'asks a queued or running job to stop (it ends as cancelled within a second; a waiting one at once, with its open trials); false if it had already ended';

ALTER FUNCTION @extschema@.search_trials_keys() SET SCHEMA ctnas_internal;
ALTER FUNCTION @extschema@.search_jobs_end_trials() SET SCHEMA ctnas_internal;
-- Searches whose accuracies come from outside ("evaluator": "external"): a job
-- over a whole search space has no oracle relation (its candidates are the
-- space's architectures); every other job still names one.
-------------------------------------------------------------------------------
ALTER TABLE @extschema@.search_jobs ALTER COLUMN oracle DROP NOT NULL;
ALTER TABLE @extschema@.search_jobs ADD CONSTRAINT search_jobs_oracle_check
	CHECK (oracle IS NOT NULL OR ((options OPERATOR(pg_catalog.->>) 'evaluator') OPERATOR(pg_catalog.=) 'external'
								  AND (options OPERATOR(pg_catalog.->>) 'space') IS NOT NULL));
COMMENT ON COLUMN @extschema@.search_jobs.oracle IS 'the oracle: a schema-qualified relation or a query; NULL for an external search over a whole space';

-- every nac_train option (0.2.0 adds "average": recipe "default" now averages the weights of the second half)
COMMENT ON AGGREGATE @extschema@.nac_train(@extschema@.archgraph, float8, jsonb) IS 'trains a NAC with options (seed, recipe, epochs, batch_size, lr, beta1, beta2, eps, weight_decay, head, directions, layers, width, average)';

-------------------------------------------------------------------------------
-- Aggregates a distributed database can compute where the rows are (issue 18).
-- Citus pushes down no aggregate whose state is "internal": it ships partial
-- states between nodes as text, through the state type's output and input
-- functions.  kendall_tau and nac_train now keep their rows in a real type
-- (in memory an expanded object changed in place, src/pg/agg_state.c); the
-- type's input validates a state in full (cells, accuracies, options, size),
-- since any role can write one.  CREATE OR REPLACE keeps the aggregates' OIDs,
-- so views and functions that use them keep working.  ctnas_ktau keeps its
-- internal state: it depends on the rows' order, so it has no partial form.
-------------------------------------------------------------------------------
CREATE TYPE ctnas_internal.kendall_tau_state;
CREATE FUNCTION ctnas_internal.kendall_tau_state_in(cstring) RETURNS ctnas_internal.kendall_tau_state
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ctnas_internal.kendall_tau_state_out(ctnas_internal.kendall_tau_state) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE ctnas_internal.kendall_tau_state (
	INPUT = ctnas_internal.kendall_tau_state_in, OUTPUT = ctnas_internal.kendall_tau_state_out,
	INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended);
COMMENT ON TYPE ctnas_internal.kendall_tau_state IS 'the partial state of kendall_tau (its (x, y) pairs); text: hexadecimal bytes';
CREATE FUNCTION ctnas_internal.kendall_tau_trans(ctnas_internal.kendall_tau_state, float8, float8)
	RETURNS ctnas_internal.kendall_tau_state
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION ctnas_internal.kendall_tau_combine(ctnas_internal.kendall_tau_state, ctnas_internal.kendall_tau_state)
	RETURNS ctnas_internal.kendall_tau_state
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION ctnas_internal.kendall_tau_final(ctnas_internal.kendall_tau_state) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION ctnas_internal.kendall_tau_state_in(cstring) IS 'type input: validates the whole state';
COMMENT ON FUNCTION ctnas_internal.kendall_tau_state_out(ctnas_internal.kendall_tau_state) IS 'type output';
COMMENT ON FUNCTION ctnas_internal.kendall_tau_trans(ctnas_internal.kendall_tau_state, float8, float8) IS 'aggregate transition function';
COMMENT ON FUNCTION ctnas_internal.kendall_tau_combine(ctnas_internal.kendall_tau_state, ctnas_internal.kendall_tau_state) IS 'aggregate combine function';
COMMENT ON FUNCTION ctnas_internal.kendall_tau_final(ctnas_internal.kendall_tau_state) IS 'aggregate final function';
CREATE OR REPLACE AGGREGATE @extschema@.kendall_tau(x float8, y float8) (
	SFUNC = ctnas_internal.kendall_tau_trans, STYPE = ctnas_internal.kendall_tau_state,
	FINALFUNC = ctnas_internal.kendall_tau_final, COMBINEFUNC = ctnas_internal.kendall_tau_combine,
	PARALLEL = SAFE);
DROP FUNCTION ctnas_internal.kendall_tau_transfn(internal, float8, float8);
DROP FUNCTION ctnas_internal.kendall_tau_combinefn(internal, internal);
DROP FUNCTION ctnas_internal.kendall_tau_serialfn(internal);
DROP FUNCTION ctnas_internal.kendall_tau_deserialfn(bytea, internal);
DROP FUNCTION ctnas_internal.kendall_tau_finalfn(internal);

CREATE TYPE ctnas_internal.nac_train_state;
-- (input is STABLE: a state larger than ctnas.max_training_memory allows is refused)
CREATE FUNCTION ctnas_internal.nac_train_state_in(cstring) RETURNS ctnas_internal.nac_train_state
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ctnas_internal.nac_train_state_out(ctnas_internal.nac_train_state) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE ctnas_internal.nac_train_state (
	INPUT = ctnas_internal.nac_train_state_in, OUTPUT = ctnas_internal.nac_train_state_out,
	INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended);
COMMENT ON TYPE ctnas_internal.nac_train_state IS 'the partial state of nac_train (options, cells, accuracies); text: hexadecimal bytes';
CREATE FUNCTION ctnas_internal.nac_train_trans(ctnas_internal.nac_train_state, @extschema@.archgraph, float8)
	RETURNS ctnas_internal.nac_train_state
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION ctnas_internal.nac_train_trans(ctnas_internal.nac_train_state, @extschema@.archgraph, float8, jsonb)
	RETURNS ctnas_internal.nac_train_state
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION ctnas_internal.nac_train_combine(ctnas_internal.nac_train_state, ctnas_internal.nac_train_state)
	RETURNS ctnas_internal.nac_train_state
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION ctnas_internal.nac_train_final(ctnas_internal.nac_train_state) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION ctnas_internal.nac_train_state_in(cstring) IS 'type input: validates the whole state';
COMMENT ON FUNCTION ctnas_internal.nac_train_state_out(ctnas_internal.nac_train_state) IS 'type output';
COMMENT ON FUNCTION ctnas_internal.nac_train_trans(ctnas_internal.nac_train_state, @extschema@.archgraph, float8) IS 'aggregate transition function';
COMMENT ON FUNCTION ctnas_internal.nac_train_trans(ctnas_internal.nac_train_state, @extschema@.archgraph, float8, jsonb) IS 'aggregate transition function';
COMMENT ON FUNCTION ctnas_internal.nac_train_combine(ctnas_internal.nac_train_state, ctnas_internal.nac_train_state) IS 'aggregate combine function';
COMMENT ON FUNCTION ctnas_internal.nac_train_final(ctnas_internal.nac_train_state) IS 'aggregate final function: trains the NAC';
CREATE OR REPLACE AGGREGATE @extschema@.nac_train(arch @extschema@.archgraph, acc float8) (
	SFUNC = ctnas_internal.nac_train_trans, STYPE = ctnas_internal.nac_train_state,
	FINALFUNC = ctnas_internal.nac_train_final, COMBINEFUNC = ctnas_internal.nac_train_combine,
	PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE @extschema@.nac_train(arch @extschema@.archgraph, acc float8, options jsonb) (
	SFUNC = ctnas_internal.nac_train_trans, STYPE = ctnas_internal.nac_train_state,
	FINALFUNC = ctnas_internal.nac_train_final, COMBINEFUNC = ctnas_internal.nac_train_combine,
	PARALLEL = SAFE);
DROP FUNCTION ctnas_internal.nac_train_transfn(internal, @extschema@.archgraph, float8);
DROP FUNCTION ctnas_internal.nac_train_transfn(internal, @extschema@.archgraph, float8, jsonb);
DROP FUNCTION ctnas_internal.nac_train_combinefn(internal, internal);
DROP FUNCTION ctnas_internal.nac_train_serialfn(internal);
DROP FUNCTION ctnas_internal.nac_train_deserialfn(bytea, internal);
DROP FUNCTION ctnas_internal.nac_train_finalfn(internal);

-------------------------------------------------------------------------------
-- Citus (issue 18).  ctnas.models stays the coordinator's table (its rows are
-- bound to roles by OID, and OIDs differ between nodes): on the coordinator,
-- a query that names a model (with an expression that is the same for every
-- row, or through ctnas.model) is planned over a subquery of ctnas.models
-- that gives the weights (src/pg/citus.c); Citus runs it on the coordinator
-- and sends its result to the workers.  ctnas.citus_enable() checks that the cluster can run
-- ctnas (the coordinator, the same ctnas on every worker) and says so.
-------------------------------------------------------------------------------
-- what the coordinator calls in place of nac_score(arch, 'm') and nac_compare(a, b, 'm'): the weights are
-- a subquery's result, one value for the whole query (recognised without comparing 0.3 MB on every row)
CREATE FUNCTION ctnas_internal.nac_score_query_model(a @extschema@.archgraph, model bytea) RETURNS float8
	AS 'MODULE_PATHNAME', 'nac_score_query_model' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 3000;
CREATE FUNCTION ctnas_internal.nac_compare_query_model(a @extschema@.archgraph, b @extschema@.archgraph, model bytea) RETURNS float8
	AS 'MODULE_PATHNAME', 'nac_compare_query_model' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 3000;
COMMENT ON FUNCTION ctnas_internal.nac_score_query_model(@extschema@.archgraph, bytea) IS 'nac_score over weights that are one value for the whole query (what a Citus coordinator plans for a named model)';
COMMENT ON FUNCTION ctnas_internal.nac_compare_query_model(@extschema@.archgraph, @extschema@.archgraph, bytea) IS 'nac_compare over weights that are one value for the whole query (what a Citus coordinator plans for a named model)';
CREATE FUNCTION ctnas_internal.model_required(name text, weights bytea, from_setting bool) RETURNS bytea
	AS 'MODULE_PATHNAME', 'ctnas_model_required' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctnas_internal.model_required(text, bytea, bool) IS 'the weights a Citus coordinator read for a model a query names, or nac_score''s error when there is none';
CREATE FUNCTION @extschema@.citus_enable() RETURNS text
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	group_id int4;
	workers int4;
	bad text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
			MESSAGE = 'ctnas.citus_enable() needs the citus extension in this database',
			HINT = 'Load citus first (shared_preload_libraries = ''citus,ctnas''), CREATE EXTENSION citus on every node, add the workers with citus_add_node(), then call ctnas.citus_enable() on the coordinator.';
	END IF;
	EXECUTE 'SELECT groupid FROM pg_catalog.pg_dist_local_group' INTO group_id;
	IF group_id OPERATOR(pg_catalog.<>) 0 THEN
		RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
			MESSAGE = 'ctnas.citus_enable() runs on the coordinator of a Citus cluster, not on a worker';
	END IF;
	-- every node runs this ctnas (Citus creates the extension on the nodes it adds, but cannot install files)
	EXECUTE $q$SELECT pg_catalog.count(*)::int4, pg_catalog.string_agg(pg_catalog.format('%s:%s (%s)', nodename, nodeport,
			CASE WHEN success THEN coalesce(nullif(result, ''), 'no ctnas') ELSE result END), ', ')
			FILTER (WHERE NOT success OR result IS DISTINCT FROM (SELECT extversion FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'ctnas'))
		FROM pg_catalog.run_command_on_workers('SELECT extversion FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) ''ctnas''')$q$
		INTO workers, bad;
	IF bad IS NOT NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
			MESSAGE = pg_catalog.format('ctnas is not at version %s on every worker: %s',
				(SELECT extversion FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'ctnas'), bad),
			HINT = 'Install the same ctnas on every node, then ALTER EXTENSION ctnas UPDATE on the coordinator.';
	END IF;
	RETURN pg_catalog.format('ctnas: ready on the coordinator and %s workers', workers);
END $$;
COMMENT ON FUNCTION @extschema@.citus_enable() IS 'on a Citus coordinator: checks that every worker runs this ctnas (models named in queries reach the workers with the queries); idempotent; superusers only';
REVOKE EXECUTE ON FUNCTION @extschema@.citus_enable() FROM PUBLIC;
