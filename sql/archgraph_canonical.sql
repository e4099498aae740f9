-- Pruning and the canonical form: = means "isomorphic with the same ops"
SET search_path = ctnas, public;

-- pruning as NAS-Bench-101's ModelSpec: node 2 cannot reach the output, node 3
-- is not reachable from the input; both go, with their edges
SELECT '{"matrix":[[0,1,1,0,0],[0,0,0,0,1],[0,0,0,0,0],[0,0,0,0,1],[0,0,0,0,0]],
         "ops":["input","conv3x3-bn-relu","maxpool3x3","conv1x1-bn-relu","output"]}'::archgraph;

-- two numberings of one cell print the same canonical text and are equal
SELECT a, b, a = b AS equal, a::text = b::text AS same_text
FROM (SELECT
  '{"matrix":[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]],"ops":["input","maxpool3x3","conv3x3-bn-relu","output"]}'::archgraph AS a,
  '{"matrix":[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]],"ops":["input","conv3x3-bn-relu","maxpool3x3","output"]}'::archgraph AS b) t;

-- the canonical choice: smallest edge bits first, then smallest ops
-- (conv3x3 < conv1x1 < maxpool3x3), as NAS-Bench-101's generate_graphs enumerates
-- (branches input -> Y -> output and input -> X -> Z -> output, given as X, Y, Z,
-- i.e. edge bits {0,1,4,8,9}; the numbering Y, X, Z has bits {0,1,5,7,9}, a smaller
-- integer, so that is the one printed)
SELECT '{"matrix":[[0,1,1,0,0],[0,0,0,1,0],[0,0,0,0,1],[0,0,0,0,1],[0,0,0,0,0]],"ops":["input","conv3x3-bn-relu","maxpool3x3","conv1x1-bn-relu","output"]}'::archgraph;
-- two parallel branches: the branches are interchangeable, so the ops decide
SELECT '{"matrix":[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]],"ops":["input","maxpool3x3","conv1x1-bn-relu","output"]}'::archgraph;

-- a different op, or a different edge, is a different cell
SELECT
  '{"matrix":[[0,1,0],[0,0,1],[0,0,0]],"ops":["input","conv3x3-bn-relu","output"]}'::archgraph
  = '{"matrix":[[0,1,0],[0,0,1],[0,0,0]],"ops":["input","conv1x1-bn-relu","output"]}'::archgraph AS op_differs,
  '{"matrix":[[0,1,0],[0,0,1],[0,0,0]],"ops":["input","conv3x3-bn-relu","output"]}'::archgraph
  = '{"matrix":[[0,1,1],[0,0,1],[0,0,0]],"ops":["input","conv3x3-bn-relu","output"]}'::archgraph AS edge_differs;

-- Every renumbering of the interior nodes that keeps the matrix upper-triangular
-- gives the same value.  renumber(a, p) moves old node p[k] to position k.
CREATE FUNCTION pg_temp.renumber(a archgraph, p int[]) RETURNS archgraph LANGUAGE plpgsql AS $$
DECLARE m int[] := archgraph_matrix(a); o text[] := archgraph_ops(a); n int := archgraph_nodes(a);
BEGIN
  RETURN archgraph(
    (SELECT array_agg(r ORDER BY i) FROM
       (SELECT i, (SELECT array_agg(m[p[i]][p[j]] ORDER BY j) FROM generate_series(1, n) j) AS r
        FROM generate_series(1, n) i) rows),
    (SELECT array_agg(o[p[i]] ORDER BY i) FROM generate_series(1, n) i));
EXCEPTION WHEN invalid_parameter_value THEN
  RETURN NULL;   -- that numbering is not topological
END $$;

CREATE TABLE cells (id int, arch archgraph);
INSERT INTO cells VALUES
  (1, '{"matrix":[[0,1,0,0,1,1,0],[0,0,1,0,0,0,0],[0,0,0,1,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]],"ops":["input","conv3x3-bn-relu","maxpool3x3","conv3x3-bn-relu","conv3x3-bn-relu","conv1x1-bn-relu","output"]}'),
  (2, '{"matrix":[[0,1,1,1,1,0,0],[0,0,0,0,0,1,0],[0,0,0,0,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]],"ops":["input","conv1x1-bn-relu","maxpool3x3","conv3x3-bn-relu","conv1x1-bn-relu","maxpool3x3","output"]}'),
  (3, '{"matrix":[[0,1,1,1,0,0],[0,0,0,0,1,0],[0,0,0,0,1,0],[0,0,0,0,0,1],[0,0,0,0,0,1],[0,0,0,0,0,0]],"ops":["input","maxpool3x3","maxpool3x3","conv3x3-bn-relu","conv1x1-bn-relu","output"]}');

WITH RECURSIVE perms(id, n, p) AS (
  SELECT id, archgraph_nodes(arch), ARRAY[1] FROM cells
  UNION ALL
  SELECT id, n, p || k FROM perms, generate_series(2, n - 1) k
  WHERE k <> ALL (p) AND cardinality(p) < n - 1
)
SELECT id, count(*) AS numberings, count(r) AS topological,
       count(r) FILTER (WHERE r = arch AND r::text = arch::text) AS canonicalised_back
FROM perms JOIN cells USING (id), LATERAL pg_temp.renumber(arch, p || n) r
WHERE cardinality(p) = n - 1
GROUP BY id ORDER BY id;
