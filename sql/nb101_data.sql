-- Real NAS-Bench-101 cells: the shipped sample of data/ (5,100 cells)
SET search_path = ctnas, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include

CREATE TABLE nb101 (
  hash text PRIMARY KEY,
  arch archgraph NOT NULL UNIQUE,
  num_vertices int NOT NULL,
  test_acc_run0 float8 NOT NULL,
  trainable_parameters bigint NOT NULL
);
CREATE TEMP TABLE sample_text (hash text, arch text, num_vertices int, test_acc_run0 float8, trainable_parameters bigint);
COPY sample_text FROM :'sample' (FORMAT csv, HEADER);
INSERT INTO nb101 SELECT hash, arch::archgraph, num_vertices, test_acc_run0, trainable_parameters FROM sample_text;

-- every stored cell prints exactly NAS-Bench-101's module_adjacency/module_operations,
-- and hashes to its official module hash
SELECT count(*) AS cells,
       count(*) FILTER (WHERE n.arch::text = s.arch) AS same_text,
       count(*) FILTER (WHERE archgraph_hash(n.arch) = n.hash) AS same_hash,
       count(*) FILTER (WHERE archgraph_nodes(n.arch) = n.num_vertices) AS same_nodes
FROM nb101 n JOIN sample_text s USING (hash);
SELECT hash, archgraph_hash(arch) FROM nb101 ORDER BY hash LIMIT 3;

-- the same cells in another numbering (two neighbouring interior nodes with no
-- edge between them swapped, which keeps the matrix upper-triangular) read back
-- to the same canonical value
CREATE FUNCTION pg_temp.swapped(a archgraph) RETURNS text LANGUAGE plpgsql AS $$
DECLARE m int[] := archgraph_matrix(a); o text[] := archgraph_ops(a); n int := archgraph_nodes(a);
        k int; p int[];
BEGIN
  SELECT min(i) INTO k FROM generate_series(2, n - 2) i WHERE m[i][i + 1] = 0;
  IF k IS NULL THEN RETURN NULL; END IF;
  p := (SELECT array_agg(CASE i WHEN k THEN k + 1 WHEN k + 1 THEN k ELSE i END ORDER BY i) FROM generate_series(1, n) i);
  RETURN json_build_object(
    'matrix', (SELECT json_agg(r ORDER BY i) FROM
                 (SELECT i, (SELECT json_agg(m[p[i]][p[j]] ORDER BY j) FROM generate_series(1, n) j) AS r
                  FROM generate_series(1, n) i) rows),
    'ops', (SELECT json_agg(o[p[i]] ORDER BY i) FROM generate_series(1, n) i))::text;
END $$;
SELECT count(*) AS renumbered,
       count(*) FILTER (WHERE s::archgraph = arch AND s::archgraph::text = arch::text) AS canonicalised_back
FROM (SELECT arch, pg_temp.swapped(arch) AS s FROM nb101) t
WHERE s IS NOT NULL AND replace(s, ' ', '') <> arch::text;

-- the tour of the demo: counts by number of nodes, the best cell
SELECT num_vertices, count(*) FROM nb101 GROUP BY 1 ORDER BY 1;
SELECT hash, round(test_acc_run0::numeric, 4) AS test_acc_run0, archgraph_dot(arch)
FROM nb101 ORDER BY test_acc_run0 DESC, hash LIMIT 1;
SELECT round(min(test_acc_run0)::numeric, 4) AS min, round(avg(test_acc_run0)::numeric, 4) AS mean,
       round(max(test_acc_run0)::numeric, 4) AS max FROM nb101;

-- CTNAS's nas_bench.json: read on the server, hash_ checked for every record
SELECT count(*) AS records, count(DISTINCT arch) AS cells,
       count(*) FILTER (WHERE validation_accuracy IS NOT NULL AND test_accuracy IS NOT NULL) AS with_accuracies,
       count(*) FILTER (WHERE train_accuracy IS NULL) AS without_train_accuracy
FROM nb101_read_json(:'json');
SELECT hash, arch, validation_accuracy, test_accuracy, n_params, training_time
FROM nb101_read_json(:'json') ORDER BY hash LIMIT 2;

-- bad files
\set VERBOSITY terse
SELECT * FROM nb101_read_json('/nonexistent/nas_bench.json');
SELECT * FROM nb101_read_json(:'sample');
\set VERBOSITY default
CREATE FUNCTION pg_temp.json_from(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE msg text; det text; st text; n bigint; lo oid;
  path text := current_setting('data_directory') || '/ctnas_test.json';
BEGIN
  lo := lo_from_bytea(0, convert_to(t, 'UTF8'));
  PERFORM lo_export(lo, path);
  PERFORM lo_unlink(lo);
  SELECT count(*) INTO n FROM nb101_read_json(path);
  RETURN n || ' records';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RETURN st || ': ' || msg || coalesce(' / ' || nullif(det, ''), '');
END $$;
SELECT t, pg_temp.json_from(t) FROM (VALUES
  ('[]'),
  (' [ {"matrix":[[0,1],[0,0]],"ops":["input","output"]} ] '),
  ('[{"module_adjacency":[[0,1],[0,0]],"module_operations":["input","output"],"hash_":"043721b9c7fe8c5fad811d47d83132ec"}]'),
  ('{"matrix":[[0,1],[0,0]],"ops":["input","output"]}'),
  ('[{"matrix":[[0,1],[0,0]],"ops":["input","output"]}'),
  ('[{"matrix":[[0,1],[0,0]],"ops":["input","output"]} {"matrix":[[0,1],[0,0]],"ops":["input","output"]}]'),
  ('[{"matrix":[[0,1],[0,0]],"ops":["input","output"]}] x'),
  ('[{"matrix":[[0,1],[0,0]],"ops":["input","output"]}, 5]'),
  ('[{"matrix":[[0,1],[0,0]],"ops":["input","output"]}, {"matrix":[[0,1],[1,0]],"ops":["input","output"]}]'),
  ('[{"matrix":[[0,1],[0,0]],"ops":["input","output"],"hash_":"00000000000000000000000000000000"}]'),
  ('[{"ops":["input","output"]}]'),
  ('[{"matrix":[[0,1],[0,0]],"ops":["input","output"],"n_params":1e22}]'),
  ('[{"matrix":[[0,1],[0,0]],"ops":["input","output"],"test_accuracy":"0.9"}]'),
  ('[{"matrix":[[0,1],[0,0]],"ops":["input","output"],"n_params":null,"test_accuracy":null}]')
) v(t);

-- reading server files needs pg_read_server_files, and membership is all it needs (no other GRANT)
CREATE ROLE ctnas_reader;
SET ROLE ctnas_reader;
SELECT count(*) FROM nb101_read_json(:'json');
RESET ROLE;
GRANT pg_read_server_files TO ctnas_reader;
SET ROLE ctnas_reader;
SELECT count(*) FROM nb101_read_json(:'json');
RESET ROLE;
DROP OWNED BY ctnas_reader;
DROP ROLE ctnas_reader;
