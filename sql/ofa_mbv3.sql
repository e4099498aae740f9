-- The OFA MobileNetV3 space (space "ofa_mbv3"): OFA's dict as JSON and the CTNAS reference's
-- string; identity (inactive layer slots ignored), order, hash; the sampler (OFA's
-- sample_active_subnet), mutation (OFA's evolution) and neighbours; DOT; and the baseline
-- searches over the 2,162 w1.0 subnets DyNAS-T evaluated (data/ofa_mbv3_w10.csv: ImageNet-val
-- top-1 with weights inherited from the supernet, no fine-tuning)
SET search_path = ctnas, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include
\set include :abs_srcdir '/sql/include/try.psql'
\i :include
\set ofacsv :test_data '/ofa_mbv3_w10.csv'

CREATE TEMP TABLE ofa_csv (arch text, top1_imagenet_val_supernet_weights float8, macs int8);
COPY ofa_csv FROM :'ofacsv' (FORMAT csv, HEADER MATCH);
CREATE TABLE ofa_w10 (arch archgraph PRIMARY KEY, top1_imagenet_val_supernet_weights float8 NOT NULL, macs int8 NOT NULL);
INSERT INTO ofa_w10 SELECT arch::archgraph, top1_imagenet_val_supernet_weights, macs FROM ofa_csv;

-- every row is an OFA subnet, all distinct; it prints as the file's JSON with json.dumps' blanks
SELECT count(*) AS rows, count(DISTINCT arch::archgraph) AS distinct_values,
       count(*) FILTER (WHERE archgraph_space(arch::archgraph) = 'ofa_mbv3') AS ofa,
       count(*) FILTER (WHERE replace(arch::archgraph::text, ' ', '') = arch) AS printed_as_file,
       count(*) FILTER (WHERE arch::archgraph::text::archgraph = arch::archgraph) AS round_trip,
       count(*) FILTER (WHERE (arch::jsonb)::text::archgraph = arch::archgraph) AS via_jsonb,
       min(archgraph_nodes(arch::archgraph)) AS min_layers, max(archgraph_nodes(arch::archgraph)) AS max_layers
FROM ofa_csv;

-- the file's first row; the same network with values in its inactive slots (as OFA and DyNAS-T log
-- them), with "space" and "wid": null, and as the reference's string
SELECT '{"ks": [3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "e": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], "d": [2, 2, 2, 2, 2]}'::archgraph AS row1 \gset
SELECT :'row1'::archgraph;
SELECT :'row1'::archgraph = '{"ks": [3, 3, 7, 5, 3, 3, 3, 3, 3, 3, 5, 7, 3, 5, 7, 7, 5, 3, 3, 5], "e": [4, 4, 6, 6, 3, 3, 3, 4, 4, 4, 6, 3, 3, 3, 4, 4, 4, 4, 6, 6], "d": [2, 2, 2, 2, 2]}' AS inactive_ignored,
       :'row1'::archgraph = '{"space": "ofa_mbv3", "wid": null, "d": [2, 2, 2, 2, 2], "e": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], "ks": [3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0]}' AS with_space_and_wid,
       :'row1'::archgraph = '2,2,2,2,2:3,3,7,7,3,3,3,3,3,3,3,3,3,5,3,3,5,3,3,3:4,4,6,6,3,3,3,3,4,4,3,3,3,3,3,3,4,4,3,3' AS reference_string,
       :'row1'::archgraph = '{"ks": [3, 5, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "e": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], "d": [2, 2, 2, 2, 2]}' AS another_kernel;

-- btree and hash indexes and hash joins: the order is unit by unit, depth first
CREATE INDEX ofa_w10_hash ON ofa_w10 USING hash (arch);
SET enable_seqscan = off;
SELECT top1_imagenet_val_supernet_weights, macs FROM ofa_w10 WHERE arch = '2,2,2,2,2:3,3,7,7,3,3,3,3,3,3,3,3,3,5,3,3,5,3,3,3:4,4,6,6,3,3,3,3,4,4,3,3,3,3,3,3,4,4,3,3';
RESET enable_seqscan;
SELECT bool_and(a < b) AS ordered
FROM (SELECT arch AS a, lead(arch) OVER (ORDER BY arch) AS b FROM ofa_w10) t WHERE b IS NOT NULL;
SELECT (SELECT arch FROM ofa_w10 ORDER BY arch LIMIT 1) AS first_in_order;
SET enable_mergejoin = off;
SET enable_nestloop = off;
SELECT count(*) AS hash_joined FROM ofa_csv c JOIN ofa_w10 s ON c.arch::archgraph = s.arch;
RESET enable_mergejoin;
RESET enable_nestloop;

-- accessors: nodes = active MBConv layers, edges = the chain between them, ops = "MBConv k e" per layer
SELECT archgraph_ops(:'row1'), archgraph_nodes(:'row1'), archgraph_edges(:'row1'), archgraph_space(:'row1');
SELECT cardinality(archgraph_ops('4,4,4,4,4:7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7:6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6')) AS largest_layers;
SELECT pg_temp.try(format('SELECT archgraph_matrix(%L)::text', :'row1')) AS matrix,
       pg_temp.try(format('SELECT archgraph_index(%L)::text', :'row1')) AS index,
       pg_temp.try(format('SELECT archgraph_hash(%L)::text', :'row1')) AS hash,
       pg_temp.try($$SELECT count(*)::text FROM archgraph_enumerate('ofa_mbv3')$$) AS enumerate;
-- the space's size, 7,371^5, does not fit int8: architectures is numeric
SELECT name, id, title, architectures, enumerable FROM search_spaces() ORDER BY id;
SELECT architectures = 7371::numeric ^ 5 AS exact, architectures > 9223372036854775807 AS beyond_int8
FROM search_spaces() WHERE name = 'ofa_mbv3';
SELECT archgraph_canonical(:'row1') = :'row1' AS canonical_is_itself;

-- the sampler (OFA's sample_active_subnet) and mutation (OFA's evolution), deterministic per seed
SELECT archgraph_random(7, 'ofa_mbv3') = archgraph_random(7, 'ofa_mbv3') AS deterministic,
       archgraph_space(archgraph_random(7, 'ofa_mbv3')) AS space,
       count(DISTINCT archgraph_random(s, 'ofa_mbv3')) AS distinct_of_1000,
       round(avg(archgraph_nodes(archgraph_random(s, 'ofa_mbv3'))), 0) AS mean_layers
FROM generate_series(1, 1000) s;
SELECT archgraph_random(1, 'ofa_mbv3');
SELECT bool_and(m <> arch) AS changed, bool_and(archgraph_space(m) = 'ofa_mbv3') AS ofa,
       count(*) FILTER (WHERE archgraph_nodes(m) = archgraph_nodes(arch)) > 0 AS some_same_depths,
       count(*) FILTER (WHERE archgraph_nodes(m) <> archgraph_nodes(arch)) > 0 AS some_depths_changed
FROM (SELECT arch, archgraph_mutate(arch, hashtext(arch::text)) AS m FROM ofa_w10) t;
SELECT archgraph_mutate(:'row1', 1);

-- binary I/O (COPY BINARY) gives the same values
CREATE TEMP TABLE bin AS SELECT arch, top1_imagenet_val_supernet_weights FROM ofa_w10;
SELECT current_setting('data_directory') || '/ctnas_ofa.bin' AS binfile \gset
COPY bin TO :'binfile' (FORMAT binary);
CREATE TEMP TABLE bin2 (LIKE bin);
COPY bin2 FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE b.top1_imagenet_val_supernet_weights = b2.top1_imagenet_val_supernet_weights) AS same
FROM bin b JOIN bin2 b2 USING (arch);

-- DOT: the chain of active layers, one cluster per unit
SELECT archgraph_dot(:'row1');

-- what is not an OFA MobileNetV3 subnet
SELECT n, pg_temp.try(format('SELECT %L::archgraph::text', input)) AS result FROM unnest(ARRAY[
  '{"ks": [3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "e": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], "d": [2, 2, 2, 2, 2], "r": [224]}',
  '{"ks": [3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "e": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], "d": [2, 2, 2, 2, 2], "wid": 1.2}',
  '{"ks": [3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "e": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], "d": [3, 2, 2, 2, 2]}',
  '{"ks": [3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "e": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], "d": [2, 2, 2, 2, 5]}',
  '{"ks": [3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "e": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], "d": [2.0, 2, 2, 2, 2]}',
  '{"ks": [3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "e": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], "d": ["2", 2, 2, 2, 2]}',
  '{"ks": [3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "e": [4, 4, 0, 0], "d": [2, 2, 2, 2, 2]}',
  '{"ks": [3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "e": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], "d": [2, 2, 2, 2, 2], "d": [2, 2, 2, 2, 2]}',
  '{"ks": [3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "d": [2, 2, 2, 2, 2]}',
  '{"space": "ofa_mbv3", "ks": [9, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 5, 0, 0, 5, 3, 0, 0], "e": [4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0, 3, 3, 0, 0, 4, 4, 0, 0], "d": [2, 2, 2, 2, 2], "x": 1}',
  '2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3',
  '2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4',
  '2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4:224',
  '2,2,2,2,2:3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3:4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,x'
]::text[]) WITH ORDINALITY v(input, n);

-- the baseline searches run in this space over the table as oracle (the accuracies are the
-- supernet's inherited-weight ImageNet-val top-1, not trained networks')
SELECT count(*) FILTER (WHERE NOT final) AS queried, max(acc) FILTER (WHERE final) AS best
FROM random_search('ofa_w10', 50, '{"seed": 1, "acc_column": "top1_imagenet_val_supernet_weights"}');
SELECT count(*) FILTER (WHERE NOT final) AS queried,
       max(acc) FILTER (WHERE final) <= (SELECT max(top1_imagenet_val_supernet_weights) FROM ofa_w10) AS best_in_table
FROM evolution_search('ofa_w10', 60, '{"seed": 1, "acc_column": "top1_imagenet_val_supernet_weights", "population": 20, "tournament": 5}');
SELECT count(*) FILTER (WHERE NOT final) AS queried, bool_and(archgraph_space(arch) = 'ofa_mbv3') AS ofa
FROM local_search('ofa_w10', 40, '{"seed": 1, "acc_column": "top1_imagenet_val_supernet_weights"}');
-- the NAC here is the reference's MBSpaceNAC: an MLP over the 120-wide one-hot (588,289
-- parameters); trained on 2/3 of the table (in archgraph order), ranking the other third
SET client_min_messages = warning;  -- (nac_train's notice says how long it took)
CREATE TEMP TABLE ofa_split AS
SELECT arch, top1_imagenet_val_supernet_weights AS acc, macs, row_number() OVER (ORDER BY arch) % 3 = 0 AS held_out FROM ofa_w10;
INSERT INTO models (name, weights)
SELECT 'ofa_paper', nac_train(arch, acc, '{"seed": 1, "recipe": "paper", "epochs": 60}') FROM ofa_split WHERE NOT held_out;
INSERT INTO models (name, weights)
SELECT 'ofa_default', nac_train(arch, acc, '{"seed": 1, "epochs": 60}') FROM ofa_split WHERE NOT held_out;
SELECT name, nac_info(weights)->>'space' AS space, nac_info(weights)->'network'->>'type' AS network,
       nac_info(weights)->'network'->>'layers' AS layers, nac_info(weights)->'network'->>'width' AS width,
       nac_info(weights)->'network'->>'head' AS head, nac_info(weights)->'network'->>'parameters' AS parameters
FROM models WHERE name LIKE 'ofa_%' ORDER BY name;
SELECT m AS model, count(*) AS held_out,
       ctnas_ktau(arch, acc, m ORDER BY arch) > 0.7 AS ctnas_ktau_above_0_7,
       kendall_tau(nac_score(arch, m), acc) > 0.7 AS tau_b_above_0_7
FROM ofa_split, (VALUES ('ofa_paper'), ('ofa_default')) v(m) WHERE held_out GROUP BY m ORDER BY m;
SELECT '4,4,4,4,4:' || array_to_string(array_fill(7, ARRAY[20]), ',') || ':' || array_to_string(array_fill(6, ARRAY[20]), ',') AS row1_bigger \gset
-- recipe "default" (the antisymmetric head): NAC(a, b) = 1 - NAC(b, a) exactly; "paper" need not
SELECT abs(nac_compare(:'row1', :'row1_bigger', 'ofa_default') + nac_compare(:'row1_bigger', :'row1', 'ofa_default') - 1) < 1e-6 AS antisymmetric_default;
-- the NAC reads the active slots only: values in inactive slots change nothing
SELECT nac_score(:'row1', 'ofa_default') = nac_score('2,2,2,2,2:3,3,7,7,3,3,7,7,3,3,7,7,3,5,7,7,5,3,7,7:4,4,6,6,3,3,6,6,4,4,6,6,3,3,6,6,4,4,6,6', 'ofa_default') AS inactive_ignored;
-- spaces never mix
SELECT pg_temp.try($$SELECT nac_score(archgraph_random(1), 'ofa_default')::text$$) AS nb101_cell_ofa_model;
-- the CTNAS search: recipe "default" over the table's rows; with "space": "ofa_mbv3" its final
-- network is the NAC's best of the whole space and "list" adds what it would propose next
SELECT count(*) FILTER (WHERE NOT final) AS queried, count(DISTINCT arch) FILTER (WHERE NOT final) AS distinct_nets,
       max(acc) FILTER (WHERE final) <= (SELECT max(acc) FROM ofa_split) AS best_in_table
FROM ctnas_search('ofa_w10', 60, '{"seed": 1, "acc_column": "top1_imagenet_val_supernet_weights", "first": 20, "rounds": 2, "nac": {"epochs": 30}}');
CREATE TEMP TABLE ofa_space AS
SELECT * FROM ctnas_search('ofa_w10', 60, '{"seed": 1, "space": "ofa_mbv3", "list": 4, "acc_column": "top1_imagenet_val_supernet_weights", "first": 20, "rounds": 2, "nac": {"epochs": 30}}');
SELECT count(*) FILTER (WHERE acc IS NOT NULL AND NOT final) AS queried,
       count(*) FILTER (WHERE acc IS NULL AND NOT final) AS listed,
       bool_and(arch NOT IN (SELECT arch FROM ofa_w10)) FILTER (WHERE acc IS NULL AND NOT final) AS listed_not_in_table,
       count(*) FILTER (WHERE final) AS finals,
       -- (a cell's score may differ in the last bits with the size of the batch it is scored in)
       max(nac_score) FILTER (WHERE final) >= max(nac_score) FILTER (WHERE NOT final) - 1e-5 AS final_is_best_ranked
FROM ofa_space;
-- recipe "paper": the reference's MBSpaceController (45 decisions: per unit its depth, then per
-- slot expand ratio and kernel) trained by REINFORCE with the NAC's reward, in the whole space
CREATE TEMP TABLE ofa_paper AS
SELECT * FROM ctnas_search('ofa_w10', 60, '{"seed": 2, "recipe": "paper", "space": "ofa_mbv3", "list": 2, "acc_column": "top1_imagenet_val_supernet_weights",
                                            "iterations": 100, "derive_every": 50, "pseudo_every": 50, "nac": {"epochs": 20}}');
SELECT count(*) FILTER (WHERE acc IS NOT NULL AND NOT final) AS queried, count(*) FILTER (WHERE acc IS NULL AND NOT final) AS listed,
       count(*) FILTER (WHERE final) AS finals, bool_and(archgraph_space(arch) = 'ofa_mbv3') AS ofa
FROM ofa_paper;
SELECT (SELECT arch FROM ofa_paper WHERE final)
     = (SELECT arch FROM ctnas_search('ofa_w10', 60, '{"seed": 2, "recipe": "paper", "space": "ofa_mbv3", "list": 2, "acc_column": "top1_imagenet_val_supernet_weights",
                                                   "iterations": 100, "derive_every": 50, "pseudo_every": 50, "nac": {"epochs": 20}}') WHERE final) AS reproducible;
-- a search that starts from a stored MLP NAC (option "model") takes its shape, here 2 layers of 32
INSERT INTO models (name, weights)
SELECT 'ofa_small', nac_train(arch, acc, '{"seed": 1, "epochs": 5, "layers": 2, "width": 32}') FROM ofa_split WHERE NOT held_out;
SELECT count(*) FILTER (WHERE NOT final) AS queried, count(*) FILTER (WHERE final) AS finals
FROM ctnas_search('ofa_w10', 20, '{"seed": 3, "model": "ofa_small", "acc_column": "top1_imagenet_val_supernet_weights", "rounds": 1, "nac": {"epochs": 5}}');
DELETE FROM models WHERE name LIKE 'ofa_%';
DROP TABLE ofa_w10;
