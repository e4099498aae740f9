-- Nothing changed for NAS-Bench-101 since 0.1.0: the current code against what ctnas 0.1.0
-- (commit a803e71^) wrote into test/fixtures/0.1.0 (see its README.md; make_0.1.0.sh wrote it).
-- Every check prints counts and lists only what differs, so this file's expected output has no rows
-- of differences.
SET search_path = public, ctnas, ctnas_internal;  -- (0.2.0 keeps the type's support functions in ctnas_internal)
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include
\set fixtures :abs_srcdir '/test/fixtures/0.1.0'

CREATE TABLE compat_cells (hash text PRIMARY KEY, arch archgraph NOT NULL, num_vertices int,
                           test_acc_run0 float8 NOT NULL, trainable_parameters bigint);
COPY compat_cells FROM :'sample' (FORMAT csv, HEADER);

-- the fixture files, read by psql (\lo_import) so the server need not reach them
CREATE TEMP TABLE compat_files (name text PRIMARY KEY, data bytea NOT NULL);
\set f :fixtures '/archgraph.tsv'
\lo_import :f
\set lo :LASTOID
INSERT INTO compat_files SELECT 'archgraph.tsv', lo_get(:lo);
SELECT lo_unlink(:lo) AS unlinked \gset
\set f :fixtures '/archgraph.bin'
\lo_import :f
\set lo :LASTOID
INSERT INTO compat_files SELECT 'archgraph.bin', lo_get(:lo);
-- (kept as a large object until the server has written it out for COPY FROM, below)
\set archgraph_bin_lo :lo
\set f :fixtures '/fixed.tsv'
\lo_import :f
\set lo :LASTOID
INSERT INTO compat_files SELECT 'fixed.tsv', lo_get(:lo);
SELECT lo_unlink(:lo) AS unlinked \gset
\set f :fixtures '/blas.tsv'
\lo_import :f
\set lo :LASTOID
INSERT INTO compat_files SELECT 'blas.tsv', lo_get(:lo);
SELECT lo_unlink(:lo) AS unlinked \gset
\set f :fixtures '/deliberate.tsv'
\lo_import :f
\set lo :LASTOID
INSERT INTO compat_files SELECT 'deliberate.tsv', lo_get(:lo);
SELECT lo_unlink(:lo) AS unlinked \gset
-- a file's tab-separated lines (COPY's text format: \n, \t, \r and \\ escaped), # comments skipped
CREATE FUNCTION pg_temp.tsv(name text) RETURNS SETOF text[] LANGUAGE sql AS $$
  SELECT array_agg(replace(replace(replace(replace(replace(field, '\\', E'\x01'), '\n', E'\n'), '\t', E'\t'), '\r', E'\r'),
                           E'\x01', '\') ORDER BY o)
  FROM compat_files, LATERAL string_to_table(convert_from(data, 'UTF8'), E'\n') WITH ORDINALITY l(line, n),
       LATERAL unnest(string_to_array(line, E'\t')) WITH ORDINALITY f(field, o)
  WHERE compat_files.name = tsv.name AND line <> '' AND line NOT LIKE '#%'
  GROUP BY n ORDER BY n
$$;

-------------------------------------------------------------------------------
-- archgraph values: 300 sample cells, the same in other numberings, key names and flat strings,
-- edge cases (2 nodes, each op, 7 nodes with 9 edges, pruning, 9 raw nodes), archgraph_random
-- and archgraph_mutate.  Text, archgraph_hash, the hash opclass's support functions (which hash
-- the stored bytes, so they pin the stored layout), the stored size, the btree order, the accessors.
-------------------------------------------------------------------------------
CREATE TEMP TABLE sample_text (hash text, arch text, num_vertices int, test_acc_run0 float8, trainable_parameters bigint);
COPY sample_text FROM :'sample' (FORMAT csv, HEADER);
-- (kind sample: the input is the arch text of the sample's row of that hash; text "=": the input text)
CREATE TEMP TABLE fx_arch AS
SELECT id, kind, input, CASE text_out WHEN '=' THEN input ELSE text_out END AS text_out, nb101_hash, hashcode,
       hashcode_0, hashcode_1, hashcode_big, size, rank, accessors
FROM (SELECT f[1]::int AS id, f[2] AS kind, CASE f[2] WHEN 'sample' THEN s.arch ELSE f[3] END AS input, f[4] AS text_out,
             f[5] AS nb101_hash, f[6]::int4 AS hashcode, f[7]::int8 AS hashcode_0, f[8]::int8 AS hashcode_1,
             f[9]::int8 AS hashcode_big, f[10]::int AS size, f[11]::int8 AS rank, f[12] AS accessors
      FROM pg_temp.tsv('archgraph.tsv') f LEFT JOIN sample_text s ON f[2] = 'sample' AND s.hash = f[3]) t;
CREATE TEMP TABLE now_arch (id int PRIMARY KEY, arch archgraph NOT NULL);
INSERT INTO now_arch SELECT id, input::archgraph FROM fx_arch WHERE kind IN ('sample', 'text');
INSERT INTO now_arch SELECT id, archgraph_from_flat(split_part(input, '|', 1), split_part(input, '|', 2)) FROM fx_arch WHERE kind = 'flat';
INSERT INTO now_arch SELECT id, archgraph_random(input::int8) FROM fx_arch WHERE kind = 'random';
INSERT INTO now_arch SELECT f.id, archgraph_mutate(n.arch, split_part(f.input, ':', 2)::int8)
FROM fx_arch f JOIN now_arch n ON n.id = split_part(f.input, ':', 1)::int WHERE f.kind = 'mutate';
CREATE TEMP TABLE arch_diff AS
SELECT f.*, n.arch::text AS text_now, archgraph_hash(n.arch) AS nb101_hash_now, archgraph_hashcode(n.arch) AS hashcode_now,
       archgraph_hashcode_extended(n.arch, 0) AS hashcode_0_now, archgraph_hashcode_extended(n.arch, 1) AS hashcode_1_now,
       archgraph_hashcode_extended(n.arch, 1234567890123) AS hashcode_big_now, pg_column_size(n.arch) AS size_now,
       dense_rank() OVER (ORDER BY n.arch) AS rank_now,
       md5(concat_ws('|', archgraph_nodes(n.arch), archgraph_edges(n.arch), archgraph_ops(n.arch)::text,
                     archgraph_matrix(n.arch)::text, archgraph_dot(n.arch))) AS accessors_now
FROM fx_arch f LEFT JOIN now_arch n USING (id);
SELECT count(*) AS values, count(DISTINCT text_out) AS distinct_cells,
       count(*) FILTER (WHERE text_now IS DISTINCT FROM text_out) AS text_differs,
       count(*) FILTER (WHERE nb101_hash_now IS DISTINCT FROM nb101_hash) AS nb101_hash_differs,
       count(*) FILTER (WHERE (hashcode_now, hashcode_0_now, hashcode_1_now, hashcode_big_now)
                              IS DISTINCT FROM (hashcode, hashcode_0, hashcode_1, hashcode_big)) AS stored_bytes_hash_differs,
       count(*) FILTER (WHERE size_now IS DISTINCT FROM size) AS size_differs,
       count(*) FILTER (WHERE rank_now IS DISTINCT FROM rank) AS order_differs,
       count(*) FILTER (WHERE accessors_now IS DISTINCT FROM accessors) AS accessors_differ
FROM arch_diff;
SELECT count(*) FILTER (WHERE kind = 'sample') AS sample, count(*) FILTER (WHERE kind = 'text' AND input <> text_out) AS noncanonical_inputs,
       count(*) FILTER (WHERE kind = 'flat') AS flat, count(*) FILTER (WHERE kind = 'random') AS random,
       count(*) FILTER (WHERE kind = 'mutate') AS mutate, min(size) AS min_size, max(size) AS max_size
FROM fx_arch;
SELECT id, kind, input, text_out, text_now FROM arch_diff
WHERE (text_now, nb101_hash_now, hashcode_now, hashcode_0_now, hashcode_1_now, hashcode_big_now, size_now, rank_now, accessors_now)
      IS DISTINCT FROM (text_out, nb101_hash, hashcode, hashcode_0, hashcode_1, hashcode_big, size, rank, accessors)
ORDER BY id LIMIT 20;

-- the binary form: archgraph_send gives 0.1.0's bytes; COPY ... (FORMAT binary) writes 0.1.0's file
-- byte for byte and reads it back (archgraph_recv on 0.1.0's bytes) to the same values.  The
-- server writes and reads the files in its data directory (superuser).
SELECT octet_length(data) AS bytes,
       data = '\x5047434f50590aff0d0a00'::bytea || int4send(0) || int4send(0) ||
              (SELECT string_agg(int2send(2::int2) || int4send(4) || int4send(id) || int4send(octet_length(archgraph_send(arch)))
                                 || archgraph_send(arch), ''::bytea ORDER BY id) FROM now_arch) || int2send(-1::int2) AS send_same_bytes
FROM compat_files WHERE name = 'archgraph.bin';
SELECT current_setting('data_directory') || '/compat_0_1_0_now.bin' AS now_bin,
       current_setting('data_directory') || '/compat_0_1_0_v010.bin' AS v010_bin \gset
COPY (SELECT id, arch FROM now_arch ORDER BY id) TO :'now_bin' (FORMAT binary);
SELECT pg_read_binary_file(:'now_bin') = data AS copy_to_same_bytes FROM compat_files WHERE name = 'archgraph.bin';
SELECT lo_export(:archgraph_bin_lo, :'v010_bin') AS exported \gset
SELECT lo_unlink(:archgraph_bin_lo) AS unlinked \gset
CREATE TEMP TABLE from_binary (id int, arch archgraph);
COPY from_binary FROM :'v010_bin' (FORMAT binary);
SELECT count(*) AS rows_read, count(*) FILTER (WHERE b.arch = n.arch AND b.arch::text = f.text_out) AS same_values,
       count(*) FILTER (WHERE archgraph_hashcode(b.arch) = f.hashcode
                        AND archgraph_hashcode_extended(b.arch, 1) = f.hashcode_1) AS same_stored_bytes
FROM from_binary b JOIN now_arch n USING (id) JOIN fx_arch f USING (id);

-------------------------------------------------------------------------------
-- models, searches, a search job resumed from 0.1.0's checkpoint, rank statistics: the items of
-- sql/include/compat_0_1_0_items.psql, computed as 0.1.0 computed them
-------------------------------------------------------------------------------
\set include :abs_srcdir '/sql/include/compat_0_1_0_items.psql'
\i :include
CREATE TEMP TABLE fx_fixed AS SELECT f[1] AS item, f[2] AS value FROM pg_temp.tsv('fixed.tsv') f WHERE f[1] LIKE 'sql.%';
CREATE TEMP TABLE fx_blas AS SELECT f[1] AS item, f[2] AS value, string_to_array(f[3], ',') AS configs
FROM pg_temp.tsv('blas.tsv') f WHERE f[1] LIKE 'sql.%';
CREATE TEMP TABLE fx_deliberate AS SELECT f[1] AS item, f[2] AS v010, f[3] AS pinned, f[4] AS commit
FROM pg_temp.tsv('deliberate.tsv') f WHERE f[1] LIKE 'sql.%';

-- items the same under every OpenBLAS configuration
SELECT count(*) AS fixed_items, count(*) FILTER (WHERE c.value IS DISTINCT FROM f.value) AS differ
FROM fx_fixed f LEFT JOIN compat_items c USING (item) WHERE item NOT IN (SELECT item FROM fx_deliberate);
SELECT item, f.value AS v010, c.value AS now FROM fx_fixed f LEFT JOIN compat_items c USING (item)
WHERE c.value IS DISTINCT FROM f.value AND item NOT IN (SELECT item FROM fx_deliberate) ORDER BY item;
-- items that depend on the OpenBLAS kernel and libm (blas.tsv: one value per configuration): every
-- one matches under one configuration that 0.1.0 ran (the one of this machine)
CREATE TEMP TABLE blas_match AS
SELECT cfg, count(DISTINCT b.item) FILTER (WHERE c.value = b.value) AS matched
FROM fx_blas b CROSS JOIN LATERAL unnest(b.configs) cfg LEFT JOIN compat_items c USING (item)
WHERE item NOT IN (SELECT item FROM fx_deliberate) GROUP BY cfg;
SELECT (SELECT count(DISTINCT item) FROM fx_blas WHERE item NOT IN (SELECT item FROM fx_deliberate)) AS blas_items,
       max(matched) AS matched_under_one_configuration,
       count(*) AS configurations FROM blas_match;
SELECT item, b.value AS v010, c.value AS now FROM fx_blas b LEFT JOIN compat_items c USING (item)
WHERE (SELECT cfg FROM blas_match ORDER BY matched DESC, cfg LIMIT 1) = ANY (b.configs) AND c.value IS DISTINCT FROM b.value
  AND item NOT IN (SELECT item FROM fx_deliberate)
ORDER BY item;
-- what 0.2.0 changed on purpose (deliberate.tsv): the current behaviour is pinned instead
-- (a pinned value ending in * means: that prefix, then anything but 0)
SELECT item, commit, CASE WHEN right(d.pinned, 1) = '*'
                          THEN starts_with(c.value, left(d.pinned, -1)) AND substr(c.value, length(d.pinned)) NOT IN ('', '0', '0x0p+0')
                          ELSE c.value = d.pinned END AS as_pinned,
       c.value <> d.v010 AS changed_from_v010
FROM fx_deliberate d LEFT JOIN compat_items c USING (item) ORDER BY item;
-- nothing computed goes unchecked
SELECT count(*) AS items, count(*) FILTER (WHERE item NOT IN (SELECT item FROM fx_fixed UNION SELECT item FROM fx_blas)) AS without_fixture
FROM compat_items;
