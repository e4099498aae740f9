-- Constructors, accessors, Graphviz, random sampling and mutation
SET search_path = ctnas, public;

\getenv abs_srcdir PG_ABS_SRCDIR
\set try_include :abs_srcdir '/sql/include/try.psql'
\i :try_include

CREATE TABLE f (arch archgraph);
INSERT INTO f VALUES ('{"matrix":[[0,1,1,0,0],[0,0,0,1,0],[0,0,0,0,1],[0,0,0,0,1],[0,0,0,0,0]],"ops":["input","conv3x3-bn-relu","maxpool3x3","conv1x1-bn-relu","output"]}');

SELECT archgraph_nodes(arch), archgraph_edges(arch), archgraph_ops(arch), archgraph_matrix(arch),
       archgraph_hash(arch)
FROM f;
SELECT archgraph_dot(arch) FROM f;

-- the constructor: same validation, same canonical result
SELECT archgraph(archgraph_matrix(arch), archgraph_ops(arch)) = arch AS round_trip FROM f;
SELECT archgraph('{{0,1,1,0},{0,0,0,1},{0,0,0,1},{0,0,0,0}}', '{input,maxpool3x3,conv3x3-bn-relu,output}');
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT archgraph('{}', '{}')::text$$),
  ($$SELECT archgraph('{0,1}', '{input,output}')::text$$),
  ($$SELECT archgraph('{{0,1,0},{0,0,1}}', '{input,conv3x3-bn-relu,output}')::text$$),
  ($$SELECT archgraph('{{0,1},{0,0}}', '{input}')::text$$),
  ($$SELECT archgraph('{{0,1},{0,0}}', '{{input},{output}}')::text$$),
  ($$SELECT archgraph('{{0,NULL},{0,0}}', '{input,output}')::text$$),
  ($$SELECT archgraph('{{0,1},{0,0}}', '{input,NULL}')::text$$),
  ($$SELECT archgraph('{{0,3},{0,0}}', '{input,output}')::text$$),
  ($$SELECT archgraph('{{0,1},{1,0}}', '{input,output}')::text$$),
  ($$SELECT archgraph('{{0,1},{0,0}}', '{input,conv7x7}')::text$$),
  ($$SELECT archgraph(array_fill(0, ARRAY[40,40]), array_fill('input'::text, ARRAY[40]))::text$$)
) t(q);

-- the flat form of NAS-Bench-101 CSV exports
SELECT archgraph_from_flat('010001000', 'input;conv1x1-bn-relu;output');
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT archgraph_from_flat('01000100', 'input;conv1x1-bn-relu;output')::text$$),
  ($$SELECT archgraph_from_flat('010001002', 'input;conv1x1-bn-relu;output')::text$$),
  ($$SELECT archgraph_from_flat('010001000', 'input;conv1x1-bn-relu')::text$$),
  ($$SELECT archgraph_from_flat('010001000', 'input;conv1x1-bn-relu;output;output')::text$$),
  ($$SELECT archgraph_from_flat('010001000', 'input;conv1x1-bn-relu;output;')::text$$),
  ($$SELECT archgraph_from_flat('010001000', 'input;;output')::text$$),
  ($$SELECT archgraph_from_flat('', '')::text$$)
) t(q);

-- random cells: always valid, within the limits, deterministic per seed, varied
CREATE TABLE r AS SELECT s, archgraph_random(s) AS arch FROM generate_series(1, 2000) s;
SELECT count(*) AS cells, count(DISTINCT arch) > 600 AS varied,
       min(archgraph_nodes(arch)) >= 2 AND max(archgraph_nodes(arch)) <= 7 AS nodes_ok,
       max(archgraph_edges(arch)) <= 9 AS edges_ok,
       bool_and(arch::text::archgraph = arch) AS canonical
FROM r;
SELECT bool_and(archgraph_random(s) = arch) AS deterministic FROM r;
SELECT archgraph_random(42), archgraph_random(-42);
-- like NAS-Bench-101's sampler (a uniform 7x7 matrix, resampled while the pruned
-- cell has over 9 edges), draws are mostly small: about 10% 2-node, 0.3% 7-node cells
SELECT archgraph_nodes(arch) AS nodes, count(*) BETWEEN 1 AND 700 AS between_1_and_700 FROM r GROUP BY 1 ORDER BY 1;

-- mutation: one edge or op change, valid, deterministic, never the same cell
CREATE TABLE m AS SELECT s, arch, archgraph_mutate(arch, s * 7) AS mutant FROM r WHERE archgraph_nodes(arch) > 2;
SELECT count(*) AS mutated,
       bool_and(mutant <> arch) AS always_different,
       bool_and(archgraph_mutate(arch, s * 7) = mutant) AS deterministic,
       bool_and(mutant::text::archgraph = mutant) AS canonical,
       bool_and(archgraph_nodes(mutant) <= 7 AND archgraph_edges(mutant) <= 9) AS within_limits
FROM m;
-- a pure op change keeps the shape and replaces exactly one op (the canonical
-- numbering may move it); an edge change moves the edge count by one, or by more
-- only when it prunes nodes
SELECT count(*) FILTER (WHERE archgraph_matrix(arch) = archgraph_matrix(mutant)) > 0 AS op_changes,
       count(*) FILTER (WHERE archgraph_edges(mutant) = archgraph_edges(arch) + 1) > 0 AS edge_added,
       count(*) FILTER (WHERE archgraph_edges(mutant) = archgraph_edges(arch) - 1) > 0 AS edge_removed,
       count(*) FILTER (WHERE archgraph_matrix(arch) = archgraph_matrix(mutant)
                        AND (SELECT count(*) FROM (SELECT unnest(archgraph_ops(arch))
                                                   EXCEPT ALL SELECT unnest(archgraph_ops(mutant))) d) <> 1) AS op_changes_not_single
FROM m;
SELECT pg_temp.try($$SELECT archgraph_mutate('{"matrix":[[0,1],[0,0]],"ops":["input","output"]}', 1)::text$$);

-- honest costs: an expensive function in the select list runs after ORDER BY ... LIMIT, for the rows kept
CREATE TEMP TABLE cost_plan (arch archgraph, acc float8);
INSERT INTO cost_plan SELECT archgraph_random(s), s FROM generate_series(1, 50) s;
ANALYZE cost_plan;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT archgraph_hash(arch), archgraph_nodes(arch), acc FROM cost_plan ORDER BY acc DESC LIMIT 5;
SELECT p.proname, p.procost FROM pg_proc p
WHERE p.pronamespace IN ('ctnas'::regnamespace, 'ctnas_internal'::regnamespace) AND p.proname IN ('archgraph_hash', 'archgraph_in', 'archgraph_eq', 'nac_score')
ORDER BY 1, 2;
DROP TABLE cost_plan;
