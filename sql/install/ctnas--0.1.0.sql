-- ctnas 0.1.0: the archgraph type for NAS-Bench-101 cells, and benchmark loading.
\echo Use "CREATE EXTENSION ctnas" to load this file. \quit

-------------------------------------------------------------------------------
-- archgraph: a NAS-Bench-101 cell, stored pruned and in canonical form
-------------------------------------------------------------------------------

CREATE TYPE archgraph;

CREATE FUNCTION archgraph_in(cstring) RETURNS archgraph
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION archgraph_out(archgraph) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION archgraph_recv(internal) RETURNS archgraph
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION archgraph_send(archgraph) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE archgraph (
	INPUT = archgraph_in,
	OUTPUT = archgraph_out,
	RECEIVE = archgraph_recv,
	SEND = archgraph_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = plain
);

COMMENT ON TYPE archgraph IS 'NAS-Bench-101 cell (DAG of at most 7 nodes and 9 edges), stored pruned and canonical';
COMMENT ON FUNCTION archgraph_in(cstring) IS 'I/O';
COMMENT ON FUNCTION archgraph_out(archgraph) IS 'I/O';
COMMENT ON FUNCTION archgraph_recv(internal) IS 'I/O';
COMMENT ON FUNCTION archgraph_send(archgraph) IS 'I/O';

-- JSON in and out through the text form
CREATE CAST (jsonb AS archgraph) WITH INOUT AS ASSIGNMENT;
CREATE CAST (archgraph AS jsonb) WITH INOUT;

-------------------------------------------------------------------------------
-- comparison: = is isomorphism with equal ops; the order is NAS-Bench-101's
-- enumeration order (nodes, then edge bits, then ops)
-------------------------------------------------------------------------------

CREATE FUNCTION archgraph_cmp(archgraph, archgraph) RETURNS int4
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION archgraph_eq(archgraph, archgraph) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION archgraph_ne(archgraph, archgraph) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION archgraph_lt(archgraph, archgraph) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION archgraph_le(archgraph, archgraph) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION archgraph_gt(archgraph, archgraph) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION archgraph_ge(archgraph, archgraph) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION archgraph_hashcode(archgraph) RETURNS int4
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION archgraph_hashcode_extended(archgraph, int8) RETURNS int8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION archgraph_cmp(archgraph, archgraph) IS 'btree support: NAS-Bench-101 enumeration order';
COMMENT ON FUNCTION archgraph_hashcode(archgraph) IS 'hash support (not the NAS-Bench-101 hash: see archgraph_hash)';
COMMENT ON FUNCTION archgraph_hashcode_extended(archgraph, int8) IS 'hash support';

CREATE OPERATOR = (
	LEFTARG = archgraph, RIGHTARG = archgraph, PROCEDURE = archgraph_eq,
	COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES
);
CREATE OPERATOR <> (
	LEFTARG = archgraph, RIGHTARG = archgraph, PROCEDURE = archgraph_ne,
	COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR < (
	LEFTARG = archgraph, RIGHTARG = archgraph, PROCEDURE = archgraph_lt,
	COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
	LEFTARG = archgraph, RIGHTARG = archgraph, PROCEDURE = archgraph_le,
	COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR > (
	LEFTARG = archgraph, RIGHTARG = archgraph, PROCEDURE = archgraph_gt,
	COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR >= (
	LEFTARG = archgraph, RIGHTARG = archgraph, PROCEDURE = archgraph_ge,
	COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS archgraph_ops
	DEFAULT FOR TYPE archgraph USING btree AS
		OPERATOR 1 <,
		OPERATOR 2 <=,
		OPERATOR 3 =,
		OPERATOR 4 >=,
		OPERATOR 5 >,
		FUNCTION 1 archgraph_cmp(archgraph, archgraph);

CREATE OPERATOR CLASS archgraph_hash_ops
	DEFAULT FOR TYPE archgraph USING hash AS
		OPERATOR 1 =,
		FUNCTION 1 archgraph_hashcode(archgraph),
		FUNCTION 2 archgraph_hashcode_extended(archgraph, int8);

-------------------------------------------------------------------------------
-- constructors, accessors, NAS-Bench-101 hash, sampling
-------------------------------------------------------------------------------

CREATE FUNCTION archgraph(matrix int4[], ops text[]) RETURNS archgraph
	AS 'MODULE_PATHNAME', 'archgraph_from_arrays' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION archgraph(int4[], text[]) IS 'cell from an adjacency matrix and op names (pruned and canonicalised)';

CREATE FUNCTION archgraph_from_flat(adjacency text, ops text) RETURNS archgraph
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION archgraph_from_flat(text, text) IS 'cell from row-major 0/1 digits and ;-separated op names (NAS-Bench-101 CSV form)';

CREATE FUNCTION archgraph_nodes(archgraph) RETURNS int4
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION archgraph_edges(archgraph) RETURNS int4
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION archgraph_ops(archgraph) RETURNS text[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION archgraph_matrix(archgraph) RETURNS int4[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION archgraph_dot(archgraph) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION archgraph_hash(archgraph) RETURNS text
	AS 'MODULE_PATHNAME', 'archgraph_nb101_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION archgraph_random(seed int8) RETURNS archgraph
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION archgraph_mutate(arch archgraph, seed int8) RETURNS archgraph
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION archgraph_nodes(archgraph) IS 'number of nodes (input and output included)';
COMMENT ON FUNCTION archgraph_edges(archgraph) IS 'number of edges';
COMMENT ON FUNCTION archgraph_ops(archgraph) IS 'op names, node by node';
COMMENT ON FUNCTION archgraph_matrix(archgraph) IS 'adjacency matrix, [x][y] = 1 for an edge x -> y';
COMMENT ON FUNCTION archgraph_dot(archgraph) IS 'Graphviz DOT text, ops as node labels';
COMMENT ON FUNCTION archgraph_hash(archgraph) IS 'NAS-Bench-101 module hash (32 hex digits, the key of the official data)';
COMMENT ON FUNCTION archgraph_random(int8) IS 'cell sampled like NAS-Bench-101''s random spec sampler, deterministic per seed';
COMMENT ON FUNCTION archgraph_mutate(archgraph, int8) IS 'one edge or op change giving a valid cell, deterministic per seed';

-------------------------------------------------------------------------------
-- loading benchmark data
-------------------------------------------------------------------------------

CREATE FUNCTION nb101_read_json(path text)
	RETURNS TABLE (hash text, arch archgraph, validation_accuracy float8,
				   test_accuracy float8, train_accuracy float8,
				   n_params int8, training_time float8)
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL SAFE ROWS 423624;
COMMENT ON FUNCTION nb101_read_json(text) IS 'records of CTNAS''s nas_bench.json, a server file (needs pg_read_server_files)';
REVOKE ALL ON FUNCTION nb101_read_json(text) FROM PUBLIC;

-- any role may use the extension's types and functions
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-------------------------------------------------------------------------------
-- the neural architecture comparator (NAC)
-------------------------------------------------------------------------------

CREATE FUNCTION nac_train_transfn(internal, archgraph, float8) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION nac_train_transfn(internal, archgraph, float8, jsonb) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION nac_train_combinefn(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION nac_train_serialfn(internal) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION nac_train_deserialfn(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION nac_train_finalfn(internal) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION nac_train_transfn(internal, archgraph, float8) IS 'aggregate transition function';
COMMENT ON FUNCTION nac_train_transfn(internal, archgraph, float8, jsonb) IS 'aggregate transition function';
COMMENT ON FUNCTION nac_train_combinefn(internal, internal) IS 'aggregate combine function';
COMMENT ON FUNCTION nac_train_serialfn(internal) IS 'aggregate serial function';
COMMENT ON FUNCTION nac_train_deserialfn(bytea, internal) IS 'aggregate deserial function';
COMMENT ON FUNCTION nac_train_finalfn(internal) IS 'aggregate final function: trains the NAC';

CREATE AGGREGATE nac_train(arch archgraph, acc float8) (
	SFUNC = nac_train_transfn, STYPE = internal, FINALFUNC = nac_train_finalfn,
	COMBINEFUNC = nac_train_combinefn, SERIALFUNC = nac_train_serialfn,
	DESERIALFUNC = nac_train_deserialfn, PARALLEL = SAFE
);
CREATE AGGREGATE nac_train(arch archgraph, acc float8, options jsonb) (
	SFUNC = nac_train_transfn, STYPE = internal, FINALFUNC = nac_train_finalfn,
	COMBINEFUNC = nac_train_combinefn, SERIALFUNC = nac_train_serialfn,
	DESERIALFUNC = nac_train_deserialfn, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nac_train(archgraph, float8) IS 'trains a NAC on (cell, accuracy) rows; returns the model';
COMMENT ON AGGREGATE nac_train(archgraph, float8, jsonb) IS 'trains a NAC with options (seed, recipe, epochs, batch_size, lr, beta1, beta2, eps, weight_decay)';

CREATE FUNCTION nac_info(model bytea) RETURNS jsonb
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION nac_info(bytea) IS 'what a model blob holds: format, network, recipe, training';

-- models: any role may read and use them; owners (and members of the owning role) change them
CREATE TABLE models (
	name text PRIMARY KEY,
	owner name NOT NULL DEFAULT CURRENT_USER,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	info jsonb NOT NULL,
	weights bytea NOT NULL
);
COMMENT ON TABLE models IS 'trained NAC models; info is derived from weights';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.models', '');

CREATE FUNCTION models_set_info() RETURNS trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NEW.weights IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'not_null_violation',
			MESSAGE = 'null value in column "weights" of relation "models" violates not-null constraint';
	END IF;
	NEW.info := @extschema@.nac_info(NEW.weights);
	RETURN NEW;
END $$;
CREATE TRIGGER models_set_info BEFORE INSERT OR UPDATE ON models
	FOR EACH ROW EXECUTE FUNCTION models_set_info();

CREATE FUNCTION models_invalidate() RETURNS trigger
	AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE TRIGGER models_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON models
	FOR EACH STATEMENT EXECUTE FUNCTION models_invalidate();

ALTER TABLE models ENABLE ROW LEVEL SECURITY;
CREATE POLICY models_read ON models FOR SELECT USING (true);
-- (through pg_roles, so a row whose owner role was dropped is nobody's, not an error)
CREATE POLICY models_insert ON models FOR INSERT
	WITH CHECK (EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) owner
						AND pg_catalog.pg_has_role(r.oid, 'MEMBER')));
CREATE POLICY models_update ON models FOR UPDATE
	USING (EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) owner
				   AND pg_catalog.pg_has_role(r.oid, 'MEMBER')))
	WITH CHECK (EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) owner
						AND pg_catalog.pg_has_role(r.oid, 'MEMBER')));
CREATE POLICY models_delete ON models FOR DELETE
	USING (EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) owner
				   AND pg_catalog.pg_has_role(r.oid, 'MEMBER')));
GRANT SELECT, INSERT, UPDATE, DELETE ON models TO PUBLIC;

CREATE FUNCTION nac_compare(a archgraph, b archgraph) RETURNS float8
	AS 'MODULE_PATHNAME', 'nac_compare_setting' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nac_compare(a archgraph, b archgraph, model text) RETURNS float8
	AS 'MODULE_PATHNAME', 'nac_compare_named' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nac_compare(a archgraph, b archgraph, model bytea) RETURNS float8
	AS 'MODULE_PATHNAME', 'nac_compare_blob' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nac_score(a archgraph) RETURNS float8
	AS 'MODULE_PATHNAME', 'nac_score_setting' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nac_score(a archgraph, model text) RETURNS float8
	AS 'MODULE_PATHNAME', 'nac_score_named' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nac_score(a archgraph, model bytea) RETURNS float8
	AS 'MODULE_PATHNAME', 'nac_score_blob' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION nac_compare(archgraph, archgraph) IS 'P(a is better than b) by the model named in ctnas.model';
COMMENT ON FUNCTION nac_compare(archgraph, archgraph, text) IS 'P(a is better than b) by a model of ctnas.models';
COMMENT ON FUNCTION nac_compare(archgraph, archgraph, bytea) IS 'P(a is better than b) by a model blob';
COMMENT ON FUNCTION nac_score(archgraph) IS 'the NAC''s ranking score of a cell (higher is better), model from ctnas.model';
COMMENT ON FUNCTION nac_score(archgraph, text) IS 'the NAC''s ranking score of a cell (higher is better)';
COMMENT ON FUNCTION nac_score(archgraph, bytea) IS 'the NAC''s ranking score of a cell (higher is better)';

-------------------------------------------------------------------------------
-- ranking quality
-------------------------------------------------------------------------------

CREATE FUNCTION kendall_tau_transfn(internal, float8, float8) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION kendall_tau_combinefn(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION kendall_tau_serialfn(internal) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION kendall_tau_deserialfn(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION kendall_tau_finalfn(internal) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kendall_tau_transfn(internal, float8, float8) IS 'aggregate transition function';
COMMENT ON FUNCTION kendall_tau_combinefn(internal, internal) IS 'aggregate combine function';
COMMENT ON FUNCTION kendall_tau_serialfn(internal) IS 'aggregate serial function';
COMMENT ON FUNCTION kendall_tau_deserialfn(bytea, internal) IS 'aggregate deserial function';
COMMENT ON FUNCTION kendall_tau_finalfn(internal) IS 'aggregate final function';
CREATE AGGREGATE kendall_tau(x float8, y float8) (
	SFUNC = kendall_tau_transfn, STYPE = internal, FINALFUNC = kendall_tau_finalfn,
	COMBINEFUNC = kendall_tau_combinefn, SERIALFUNC = kendall_tau_serialfn,
	DESERIALFUNC = kendall_tau_deserialfn, PARALLEL = SAFE
);
COMMENT ON AGGREGATE kendall_tau(float8, float8) IS 'Kendall''s tau-b with ties (as scipy.stats.kendalltau), O(n log n)';

CREATE FUNCTION ctnas_ktau_transfn(internal, archgraph, float8) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION ctnas_ktau_transfn(internal, archgraph, float8, text) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION ctnas_ktau_finalfn(internal) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctnas_ktau_transfn(internal, archgraph, float8) IS 'aggregate transition function';
COMMENT ON FUNCTION ctnas_ktau_transfn(internal, archgraph, float8, text) IS 'aggregate transition function';
COMMENT ON FUNCTION ctnas_ktau_finalfn(internal) IS 'aggregate final function';
-- no combine function: the pairs are taken in the order the rows arrive (use ORDER BY)
CREATE AGGREGATE ctnas_ktau(arch archgraph, acc float8) (
	SFUNC = ctnas_ktau_transfn, STYPE = internal, FINALFUNC = ctnas_ktau_finalfn, PARALLEL = SAFE
);
CREATE AGGREGATE ctnas_ktau(arch archgraph, acc float8, model text) (
	SFUNC = ctnas_ktau_transfn, STYPE = internal, FINALFUNC = ctnas_ktau_finalfn, PARALLEL = SAFE
);
COMMENT ON AGGREGATE ctnas_ktau(archgraph, float8) IS 'CTNAS''s KTau of the ctnas.model NAC over all pairs of the group';
COMMENT ON AGGREGATE ctnas_ktau(archgraph, float8, text) IS 'CTNAS''s KTau of a NAC over all pairs of the group';

CREATE FUNCTION torch_randperm(n int4, seed int8)
	RETURNS TABLE ("position" int4, value int4)
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION torch_randperm(int4, int8) IS 'torch.randperm(n) with a generator seeded by seed (PyTorch 1.x, CPU), for CTNAS''s splits';

-------------------------------------------------------------------------------
-- searches: CTNAS and the usual baselines, in one harness
-------------------------------------------------------------------------------

CREATE FUNCTION random_search(oracle text, budget int4 DEFAULT 423, options jsonb DEFAULT '{}')
	RETURNS TABLE (step int4, arch archgraph, acc float8, final bool, queries int4)
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
CREATE FUNCTION evolution_search(oracle text, budget int4 DEFAULT 423, options jsonb DEFAULT '{}')
	RETURNS TABLE (step int4, arch archgraph, acc float8, final bool, queries int4)
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION random_search(text, int4, jsonb) IS 'random search over an oracle (table, view or query of cells and accuracies) within a query budget';
CREATE FUNCTION ctnas_search(oracle text, budget int4 DEFAULT 423, options jsonb DEFAULT '{}')
	RETURNS TABLE (step int4, arch archgraph, acc float8, final bool, queries int4, nac_score float8)
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ctnas_search(text, int4, jsonb) IS 'the CTNAS search (recipe "default" or "paper") over an oracle (table, view or query of cells and accuracies) within a query budget';
COMMENT ON FUNCTION evolution_search(text, int4, jsonb) IS 'regularized evolution (Real et al. 2019) over an oracle within a query budget';

-------------------------------------------------------------------------------
-- search jobs: searches in background workers (src/pg/search_jobs.c)
-------------------------------------------------------------------------------

CREATE TABLE search_jobs (
	id bigserial PRIMARY KEY,
	owner name NOT NULL DEFAULT CURRENT_USER,
	session_role name NOT NULL DEFAULT SESSION_USER,	-- the worker logs in as it, then SET ROLE owner
	method text NOT NULL CHECK (method IN ('ctnas', 'random', 'evolution')),
	oracle text NOT NULL,				-- schema-qualified relation, or the query
	budget int4 NOT NULL CHECK (budget >= 1),
	options jsonb NOT NULL,
	status text NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
	cancel_requested bool NOT NULL DEFAULT false,
	progress jsonb,						-- steps, phase, iteration, queries, best_acc
	submitted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	started_at timestamptz,
	finished_at timestamptz,
	worker_pid int4,
	worker_start timestamptz,			-- the worker's backend start: with its pid, tells whether it lives
	postmaster_start timestamptz,		-- of the server the worker ran under
	submit_xid xid8,					-- the submitting transaction (a queued job starts after it commits)
	search_path text,					-- the submitter's, for a query oracle
	schedule text,						-- the schedule that submitted it
	error text
);
COMMENT ON TABLE search_jobs IS 'searches run by background workers: ctnas.search_submit, search_status, search_wait, search_cancel';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.search_jobs', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.search_jobs_id_seq', '');

CREATE TABLE search_results (
	job_id int8 NOT NULL REFERENCES search_jobs (id) ON DELETE CASCADE,
	step int4,
	arch archgraph NOT NULL,
	acc float8,
	final bool NOT NULL,
	queries int4 NOT NULL,
	nac_score float8
);
CREATE INDEX search_results_job ON search_results (job_id, step);
COMMENT ON TABLE search_results IS 'the rows a search job returns, as ctnas_search / random_search / evolution_search would';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.search_results', '');

-- a running job's state, for "resume": true (not dumped: it belongs to one server's run)
CREATE TABLE search_checkpoints (
	job_id int8 PRIMARY KEY REFERENCES search_jobs (id) ON DELETE CASCADE,
	saved_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	state bytea NOT NULL
);

CREATE TABLE search_schedules (
	name text PRIMARY KEY,
	owner name NOT NULL DEFAULT CURRENT_USER,
	session_role name NOT NULL DEFAULT SESSION_USER,
	every interval NOT NULL CHECK (every >= interval '1 second'),
	method text NOT NULL CHECK (method IN ('ctnas', 'random', 'evolution')),
	oracle text NOT NULL,
	budget int4 NOT NULL CHECK (budget >= 1),
	options jsonb NOT NULL,
	search_path text,
	next_run_at timestamptz NOT NULL,
	last_job int8
);
COMMENT ON TABLE search_schedules IS 'searches the ctnas launcher submits every interval (ctnas in shared_preload_libraries)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.search_schedules', '');

-- a role sees and changes only its own jobs and schedules (or those of roles it is a member of)
ALTER TABLE search_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE search_results ENABLE ROW LEVEL SECURITY;
ALTER TABLE search_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE search_schedules ENABLE ROW LEVEL SECURITY;
CREATE POLICY search_jobs_owner ON search_jobs
	USING (EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) owner
				   AND pg_catalog.pg_has_role(r.oid, 'MEMBER')));
CREATE POLICY search_results_owner ON search_results
	USING (EXISTS (SELECT 1 FROM @extschema@.search_jobs j WHERE j.id OPERATOR(pg_catalog.=) job_id));
CREATE POLICY search_checkpoints_owner ON search_checkpoints
	USING (EXISTS (SELECT 1 FROM @extschema@.search_jobs j WHERE j.id OPERATOR(pg_catalog.=) job_id));
CREATE POLICY search_schedules_owner ON search_schedules
	USING (EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) owner
				   AND pg_catalog.pg_has_role(r.oid, 'MEMBER')));
-- A job's worker logs in as session_role and then takes the owner's role. So a role may only name its
-- own session (fixed on insert), and only that session may change what a job or schedule runs (another
-- member of the owning role may cancel it, or mark it failed, but not point it at other SQL); a
-- superuser (the launcher, copying a schedule) may set anything.
CREATE FUNCTION search_session_role_guard() RETURNS trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false) THEN
		IF TG_OP = 'INSERT' THEN
			NEW.session_role := SESSION_USER;
		ELSE
			NEW.session_role := OLD.session_role;
			IF SESSION_USER <> OLD.session_role AND
			   (NEW.owner, NEW.method, NEW.oracle, NEW.budget, NEW.options, NEW.search_path)
			   IS DISTINCT FROM (OLD.owner, OLD.method, OLD.oracle, OLD.budget, OLD.options, OLD.search_path) THEN
				RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
					MESSAGE = 'only the session that created it may change what a search job or schedule runs';
			END IF;
		END IF;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER search_jobs_session_role BEFORE INSERT OR UPDATE ON search_jobs
	FOR EACH ROW EXECUTE FUNCTION search_session_role_guard();
CREATE TRIGGER search_schedules_session_role BEFORE INSERT OR UPDATE ON search_schedules
	FOR EACH ROW EXECUTE FUNCTION search_session_role_guard();
-- the worker runs as the job's owner and keeps its own rows up to date
GRANT SELECT, INSERT, UPDATE, DELETE ON search_jobs, search_results, search_checkpoints, search_schedules TO PUBLIC;
GRANT USAGE ON SEQUENCE search_jobs_id_seq TO PUBLIC;

CREATE FUNCTION search_worker_alive(pid int4, started timestamptz) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION search_worker_alive(int4, timestamptz) IS 'whether a backend with this pid and start time runs (how stale search jobs are found)';

-- What a job's row should say when its worker is gone (a crash, a restart, a terminate, a worker that
-- could not start): {} when it is fine.  search_status and search_wait show rows through it;
-- search_recover, search_submit and the launcher write it.
CREATE FUNCTION search_job_stale(j search_jobs) RETURNS jsonb
	LANGUAGE sql VOLATILE PARALLEL RESTRICTED
	BEGIN ATOMIC
	SELECT CASE
		WHEN j.status OPERATOR(pg_catalog.=) 'running' AND NOT @extschema@.search_worker_alive(j.worker_pid, j.worker_start) THEN
			CASE WHEN j.options OPERATOR(pg_catalog.->) 'resume' OPERATOR(pg_catalog.=) 'true'::jsonb
			THEN pg_catalog.jsonb_build_object('status', 'queued', 'worker_pid', NULL, 'worker_start', NULL,
											   'postmaster_start', NULL)
			ELSE pg_catalog.jsonb_build_object('status', 'failed', 'finished_at', pg_catalog.now(), 'error',
				CASE WHEN j.postmaster_start IS DISTINCT FROM pg_catalog.pg_postmaster_start_time()
				THEN pg_catalog.format('the server restarted while the job ran (worker pid %s)', j.worker_pid)
				ELSE pg_catalog.format('the search worker (pid %s) ended without recording an outcome: it was terminated, or the server restarted after a crash', j.worker_pid)
				END)
			END
		WHEN j.status OPERATOR(pg_catalog.=) 'queued' AND j.postmaster_start IS NOT NULL
			 AND j.postmaster_start IS DISTINCT FROM pg_catalog.pg_postmaster_start_time() THEN
			pg_catalog.jsonb_build_object('worker_pid', NULL, 'worker_start', NULL, 'postmaster_start', NULL)
		WHEN j.status OPERATOR(pg_catalog.=) 'queued' AND j.postmaster_start IS NOT NULL AND j.worker_pid IS NOT NULL
			 AND NOT @extschema@.search_worker_alive(j.worker_pid, NULL) THEN
			pg_catalog.jsonb_build_object('status', 'failed', 'finished_at', pg_catalog.now(), 'error',
				pg_catalog.format('the search worker (pid %s) exited before it took the job (see the server log)', j.worker_pid))
		ELSE '{}'::jsonb
	END;
	END;
COMMENT ON FUNCTION search_job_stale(search_jobs) IS 'the changes a job row needs when its worker is gone';

CREATE FUNCTION search_recover() RETURNS int4
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION search_recover() IS 'records the outcome of jobs whose worker is gone and (without a launcher here) starts queued and resumable jobs; the launcher does this every second';

CREATE FUNCTION search_submit(oracle text, budget int4 DEFAULT 423, options jsonb DEFAULT '{}',
							  method text DEFAULT 'ctnas') RETURNS int8
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION search_submit(text, int4, jsonb, text) IS 'records a search job and starts a background worker for it (after this transaction commits); returns the job id';

CREATE FUNCTION search_cancel(id int8) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION search_cancel(int8) IS 'asks a queued or running job to stop (it ends as cancelled within a second); false if it had already ended';

CREATE FUNCTION search_status(id int8) RETURNS search_jobs
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION search_status(int8) IS 'the job row (jobs left running by a server that has since restarted are marked failed first)';

CREATE FUNCTION search_wait(id int8, timeout interval DEFAULT '1 hour') RETURNS search_jobs
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION search_wait(int8, interval) IS 'waits until the job has ended or the timeout passed, then returns its row';

CREATE VIEW search_activity WITH (security_invoker = true) AS
	SELECT j.id, j.owner, j.method, j.oracle, j.budget, j.status, j.worker_pid,
		   (j.progress->>'phase') AS phase, (j.progress->>'iteration')::int8 AS iteration,
		   (j.progress->>'queries')::int4 AS queries, (j.progress->>'best_acc')::float8 AS best_acc,
		   j.submitted_at, j.started_at, pg_catalog.now() - j.started_at AS running_for,
		   a.state AS backend_state, a.wait_event
	FROM @extschema@.search_jobs j
	LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) j.worker_pid
		AND a.backend_type OPERATOR(pg_catalog.=) 'ctnas search worker'
	WHERE j.status IN ('queued', 'running');
COMMENT ON VIEW search_activity IS 'queued and running search jobs with their progress, like pg_stat_activity';
GRANT SELECT ON search_activity TO PUBLIC;

CREATE FUNCTION search_schedule(name text, every interval, oracle text, budget int4 DEFAULT 423,
								options jsonb DEFAULT '{}', method text DEFAULT 'ctnas') RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION search_schedule(text, interval, text, int4, jsonb, text) IS 'a search the launcher submits every interval (at most one running job per schedule)';
CREATE FUNCTION search_unschedule(name text) RETURNS bool
	LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
	BEGIN ATOMIC
		WITH d AS (DELETE FROM @extschema@.search_schedules s WHERE s.name OPERATOR(pg_catalog.=) search_unschedule.name RETURNING 1)
		SELECT count(*) OPERATOR(pg_catalog.>) 0 FROM d;
	END;
COMMENT ON FUNCTION search_unschedule(text) IS 'removes a schedule (its jobs stay); false if there was none';
