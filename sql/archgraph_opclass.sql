-- The btree and hash opclasses: GROUP BY, DISTINCT, joins, unique and hash indexes
SET search_path = ctnas, public;

CREATE TABLE g AS
  SELECT i, archgraph_random(i % 300) AS arch FROM generate_series(1, 3000) i;
-- the same cell in another numbering joins the group of its canonical form
INSERT INTO g VALUES
  (0, '{"matrix":[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]],"ops":["input","maxpool3x3","conv3x3-bn-relu","output"]}'),
  (-1, '{"matrix":[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]],"ops":["input","conv3x3-bn-relu","maxpool3x3","output"]}');
ANALYZE g;

SELECT count(DISTINCT arch) AS distinct_cells FROM g;
SELECT count(*) AS groups FROM (SELECT arch FROM g GROUP BY arch) s;
SELECT arch, count(*) FROM g WHERE i <= 0 GROUP BY arch;

-- hash aggregation and sort-based aggregation agree
SET enable_hashagg = on; SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT arch, count(*) FROM g GROUP BY arch;
CREATE TEMP TABLE by_hash AS SELECT arch, count(*) AS c FROM g GROUP BY arch;
RESET enable_sort; SET enable_hashagg = off;
EXPLAIN (COSTS OFF) SELECT arch, count(*) FROM g GROUP BY arch;
CREATE TEMP TABLE by_sort AS SELECT arch, count(*) AS c FROM g GROUP BY arch;
RESET enable_hashagg;
SELECT count(*) AS differing FROM (
  (SELECT * FROM by_hash EXCEPT SELECT * FROM by_sort) UNION ALL (SELECT * FROM by_sort EXCEPT SELECT * FROM by_hash)) d;

-- hash join and merge join
CREATE TABLE h AS SELECT DISTINCT arch, archgraph_hash(arch) AS nb101_hash FROM g;
ANALYZE h;
SET enable_mergejoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM g JOIN h USING (arch);
SELECT count(*) FROM g JOIN h USING (arch);
RESET enable_mergejoin; SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM g JOIN h USING (arch);
SELECT count(*) FROM g JOIN h USING (arch);
RESET enable_hashjoin; RESET enable_nestloop;

-- unique btree index: isomorphic duplicates are refused
CREATE UNIQUE INDEX h_arch ON h (arch);
INSERT INTO h VALUES ('{"matrix":[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]],"ops":["input","maxpool3x3","conv3x3-bn-relu","output"]}', 'x');
-- btree index scans: equality, range and order
SET enable_seqscan = off; SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM h WHERE arch = archgraph_random(7);
SELECT nb101_hash = archgraph_hash(archgraph_random(7)) AS found FROM h WHERE arch = archgraph_random(7);
EXPLAIN (COSTS OFF) SELECT arch FROM h ORDER BY arch LIMIT 3;
SELECT archgraph_nodes(arch) AS nodes, archgraph_edges(arch) AS edges, arch FROM h ORDER BY arch LIMIT 3;
SELECT count(*) FROM h WHERE arch < '{"matrix":[[0,1,0,0,0],[0,0,1,0,0],[0,0,0,1,0],[0,0,0,0,1],[0,0,0,0,0]],"ops":["input","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","output"]}';
RESET enable_seqscan; RESET enable_bitmapscan;
SELECT count(*) FROM h WHERE arch < '{"matrix":[[0,1,0,0,0],[0,0,1,0,0],[0,0,0,1,0],[0,0,0,0,1],[0,0,0,0,0]],"ops":["input","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","output"]}';

-- the order is total and consistent with =: sorting agrees with archgraph_cmp
SELECT bool_and(ctnas_internal.archgraph_cmp(a, b) < 0) AS increasing
FROM (SELECT arch AS a, lead(arch) OVER (ORDER BY arch) AS b FROM h) s WHERE b IS NOT NULL;
SELECT count(*) FILTER (WHERE (a.arch = b.arch) <> (ctnas_internal.archgraph_cmp(a.arch, b.arch) = 0)) AS inconsistent
FROM (SELECT * FROM h LIMIT 40) a, (SELECT * FROM h LIMIT 40) b;

-- hash index
CREATE INDEX h_arch_hash ON h USING hash (arch);
SET enable_seqscan = off; SET enable_bitmapscan = off;
DROP INDEX h_arch;
EXPLAIN (COSTS OFF) SELECT * FROM h WHERE arch = archgraph_random(7);
SELECT count(*) FROM h WHERE arch = archgraph_random(7);
RESET enable_seqscan; RESET enable_bitmapscan;

-- hash-partitioned tables use the extended hash function
CREATE TABLE hp (arch archgraph) PARTITION BY HASH (arch);
CREATE TABLE hp0 PARTITION OF hp FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE hp1 PARTITION OF hp FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO hp SELECT arch FROM h;
SELECT (SELECT count(*) FROM hp0) > 0 AND (SELECT count(*) FROM hp1) > 0 AS both_used,
       (SELECT count(*) FROM hp) = (SELECT count(*) FROM h) AS all_rows;

-- the operators resolve without ctnas on search_path (they live in pg_catalog), and indexes serve them
SET search_path = "$user", public;
CREATE TEMP TABLE op_cells AS SELECT ctnas.archgraph_random(s) AS arch, s AS n FROM generate_series(1, 300) s;
CREATE INDEX ON op_cells (arch);
ANALYZE op_cells;
SELECT count(*) FROM op_cells WHERE arch = '{"matrix":[[0,1],[0,0]],"ops":["input","output"]}';
SELECT count(*) FROM op_cells WHERE arch = '{"matrix":[[0,1],[0,0]],"ops":["input","output"]}'::ctnas.archgraph;
SELECT count(*) AS below_the_largest FROM op_cells WHERE arch < (SELECT arch FROM op_cells ORDER BY arch DESC LIMIT 1);
SELECT count(DISTINCT arch) AS distinct_cells FROM op_cells;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM op_cells WHERE arch = '{"matrix":[[0,1],[0,0]],"ops":["input","output"]}';
RESET enable_seqscan;
SELECT count(*) FROM op_cells a JOIN op_cells b USING (arch) WHERE a.n = b.n;
-- 0.1.0's spelling keeps working
SELECT count(*) FROM op_cells a JOIN op_cells b ON a.arch OPERATOR(ctnas.=) b.arch AND a.n = b.n;
SELECT oprnamespace::regnamespace AS schema, count(*) FROM pg_operator
WHERE oprleft = 'ctnas.archgraph'::regtype GROUP BY 1 ORDER BY 1;
DROP TABLE op_cells;
RESET search_path;
