-- Text and binary I/O of archgraph
SET search_path = ctnas, public;

-- the example of the README, and NAS-Bench-101's own key names
SELECT '{"matrix":[[0,1,1],[0,0,1],[0,0,0]],"ops":["input","conv3x3-bn-relu","output"]}'::archgraph;
SELECT '{"module_adjacency": [[0, 1, 1], [0, 0, 1], [0, 0, 0]],
         "module_operations": ["input", "conv3x3-bn-relu", "output"]}'::archgraph;
-- key order and whitespace do not matter (entries are the JSON numbers 0 and 1 as written: 1.0 is refused, see hardening)
SELECT ' { "ops" : ["input","maxpool3x3","output"] , "matrix" : [[0,1,0],[0,0,1],[0,0,0]] } '::archgraph;
-- the smallest cell
SELECT '{"matrix":[[0,1],[0,0]],"ops":["input","output"]}'::archgraph;

-- output is the canonical text and reads back unchanged
CREATE TABLE io (id int, arch archgraph);
INSERT INTO io VALUES
  (1, '{"matrix":[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]],"ops":["input","conv1x1-bn-relu","maxpool3x3","output"]}'),
  (2, '{"matrix":[[0,1,0,0,1],[0,0,1,0,0],[0,0,0,1,0],[0,0,0,0,1],[0,0,0,0,0]],"ops":["input","conv3x3-bn-relu","conv1x1-bn-relu","maxpool3x3","output"]}'),
  (3, '{"matrix":[[0,1],[0,0]],"ops":["input","output"]}');
SELECT id, arch, arch::text::archgraph = arch AS round_trip FROM io ORDER BY id;

-- jsonb casts both ways
SELECT ('{"matrix":[[0,1],[0,0]],"ops":["input","output"]}'::jsonb)::archgraph;
SELECT (arch::jsonb) -> 'ops' AS ops FROM io WHERE id = 1;

-- binary: the wire form is version, space, n, n*n matrix bytes, n op codes
SELECT ctnas_internal.archgraph_send(arch) FROM io ORDER BY id;

-- COPY BINARY round trip (server files in the data directory)
SELECT current_setting('data_directory') || '/ctnas_io.bin' AS binfile,
       current_setting('data_directory') || '/ctnas_recv.bin' AS recvfile \gset
COPY io TO :'binfile' (FORMAT binary);
CREATE TABLE io2 (LIKE io);
COPY io2 FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE io.arch = io2.arch AND io.arch::text = io2.arch::text) AS equal
FROM io JOIN io2 USING (id);

-- binary input gets exactly the validation of text input
CREATE FUNCTION pg_temp.copy_bin(payload bytea) RETURNS bytea LANGUAGE sql AS $$
  SELECT '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
         || '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea $$;
CREATE FUNCTION pg_temp.recv(payload bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE msg text; det text; st text; lo oid;
  path text := current_setting('data_directory') || '/ctnas_recv.bin';
BEGIN
  lo := lo_from_bytea(0, pg_temp.copy_bin(payload));
  PERFORM lo_export(lo, path);
  PERFORM lo_unlink(lo);
  TRUNCATE io2;
  EXECUTE format('COPY io2 (arch) FROM %L (FORMAT binary)', path);
  RETURN (SELECT arch::text FROM io2);
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RETURN st || ': ' || msg || coalesce(' / ' || nullif(det, ''), '');
END $$;
ALTER TABLE io2 DROP COLUMN id;

-- valid, and a non-canonical numbering is canonicalised as text input is
SELECT pg_temp.recv('\x010103000100000001000000030004');
SELECT pg_temp.recv('\x0101040001010000000001000000010000000003020004');
SELECT pg_temp.recv('\x0101040001000100000100000000010000000003010004');
-- a dangling node is pruned
SELECT pg_temp.recv('\x0101040001010000000001000000000000000003000104');
-- bad header, bad values, bad structure, trailing bytes, truncation
SELECT pg_temp.recv('\x020103000100000001000000030004');
SELECT pg_temp.recv('\x010903000100000001000000030004');
SELECT pg_temp.recv('\x010103000200000001000000030004');
SELECT pg_temp.recv('\x010103000100000001000100030004');
SELECT pg_temp.recv('\x010103000100000001000000030904');
SELECT pg_temp.recv('\x010103000100000001000000040003');
SELECT pg_temp.recv('\x010102000000000304');
SELECT pg_temp.recv('\x0101ff');
SELECT pg_temp.recv('\x01010300010000000100000003000400');
SELECT pg_temp.recv('\x010103000100');
SELECT pg_temp.recv('\x');
