-- Per-call time of ctnas's per-row functions on the shipped sample, in units of a
-- built-in operator call (int4 + int4), which is what a function's COST counts
-- (cpu_operator_cost). Run: pg_virtualenv -t -v 15 psql -X -f test/bench/function_costs.sql
-- (after make install). Prints one row per function: microseconds per call and the cost.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS ctnas;
DROP TABLE IF EXISTS cost_cells;
CREATE TABLE cost_cells (hash text, arch ctnas.archgraph, num_vertices int, acc float8, params bigint);
\copy cost_cells FROM 'data/nb101_sample.csv' (FORMAT csv, HEADER)
ALTER TABLE cost_cells ADD COLUMN i int4, ADD COLUMN t text, ADD COLUMN flat_adj text, ADD COLUMN flat_ops text,
	ADD COLUMN m int4[], ADD COLUMN o text[], ADD COLUMN b bytea, ADD COLUMN a201 ctnas.archgraph, ADD COLUMN t201 text;
UPDATE cost_cells SET i = num_vertices, t = arch::text, m = ctnas.archgraph_matrix(arch), o = ctnas.archgraph_ops(arch),
	b = ctnas_internal.archgraph_send(arch),
	a201 = ctnas.archgraph_random(length(hash || i::text) * 7919 + i, 'nb201'),
	flat_adj = array_to_string(ARRAY(SELECT unnest(ctnas.archgraph_matrix(arch))), ''),
	flat_ops = array_to_string(ctnas.archgraph_ops(arch), ';');
INSERT INTO ctnas.models (name, weights)
	SELECT 'cost_model', ctnas.nac_train(arch, acc, '{"epochs": 5, "seed": 1}') FROM (SELECT * FROM cost_cells LIMIT 200) s
	ON CONFLICT (name) DO NOTHING;
UPDATE cost_cells SET t201 = a201::text;
VACUUM ANALYZE cost_cells;

CREATE OR REPLACE FUNCTION pg_temp.per_call(expr text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	best float8 := 'infinity';
	t0 timestamptz;
	n int8;
BEGIN
	FOR r IN 1..5 LOOP
		t0 := clock_timestamp();
		EXECUTE format('SELECT count(%s) FROM cost_cells', expr) INTO n;
		best := least(best, extract(epoch FROM clock_timestamp() - t0));
	END LOOP;
	RETURN best;
END $$;

CREATE TEMP TABLE timings AS
WITH f(name, expr) AS (VALUES
	('(scan alone)', 'i'),
	('int4 + int4 (the unit)', 'i + i + i + i + i + i + i + i + i + i + i'),
	('archgraph_in', 't::ctnas.archgraph'),
	('archgraph_out', 'arch::text'),
	('archgraph_send', 'ctnas_internal.archgraph_send(arch)'),
	('archgraph_cmp', 'ctnas_internal.archgraph_cmp(arch, arch)'),
	('archgraph_eq', 'ctnas_internal.archgraph_eq(arch, arch)'),
	('archgraph_hashcode', 'ctnas_internal.archgraph_hashcode(arch)'),
	('archgraph(int4[], text[])', 'ctnas.archgraph(m, o)'),
	('archgraph_from_flat', 'ctnas.archgraph_from_flat(flat_adj, flat_ops)'),
	('archgraph_nodes', 'ctnas.archgraph_nodes(arch)'),
	('archgraph_ops', 'ctnas.archgraph_ops(arch)'),
	('archgraph_matrix', 'ctnas.archgraph_matrix(arch)'),
	('archgraph_dot', 'ctnas.archgraph_dot(arch)'),
	('archgraph_hash', 'ctnas.archgraph_hash(arch)'),
	('archgraph_random', 'ctnas.archgraph_random(i::int8 * 7919 + length(t))'),
	('archgraph_mutate', 'CASE WHEN i > 2 THEN ctnas.archgraph_mutate(arch, length(t)) END'),
	('archgraph_space', 'ctnas.archgraph_space(arch)'),
	('archgraph_canonical (nb101)', 'ctnas.archgraph_canonical(arch)'),
	('archgraph_canonical (nb201)', 'ctnas.archgraph_canonical(a201)'),
	('archgraph_index (nb201)', 'ctnas.archgraph_index(a201)'),
	('archgraph_random(seed, ''nb201'')', 'ctnas.archgraph_random(i::int8 * 7919 + length(t), ''nb201'')'),
	('archgraph_in (nb201)', 't201::ctnas.archgraph'),
	('archgraph_out (nb201)', 'a201::text'),
	('nac_score(arch, name)', 'ctnas.nac_score(arch, ''cost_model'')'),
	('nac_compare(a, b, name)', 'ctnas.nac_compare(arch, arch, ''cost_model'')')
)
SELECT name, pg_temp.per_call(expr) AS seconds FROM f;

WITH base AS (SELECT seconds FROM timings WHERE name = '(scan alone)'),
	 unit AS (SELECT (t.seconds - b.seconds) / 10 / 5100 AS s FROM timings t, base b WHERE t.name = 'int4 + int4 (the unit)')
SELECT t.name, round(((t.seconds - b.seconds) / 5100 * 1e6)::numeric, 3) AS us_per_call,
	   round(((t.seconds - b.seconds) / 5100 / u.s)::numeric) AS cost_units
FROM timings t, base b, unit u WHERE t.name <> '(scan alone)'
ORDER BY 2;
