-- The DARTS cell space (space "darts"): genotypes as DARTS, PC-DARTS and NASLib print them,
-- NASLib's compact form, JSON; identity (a node's two edges unordered), order, hash; the
-- sampler, mutation and neighbours; DOT; and the baseline searches over a table of
-- NAS-Bench-301 surrogate predictions (data/darts_sample.csv: predictions, not trained accuracies)
SET search_path = ctnas, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include
\set include :abs_srcdir '/sql/include/try.psql'
\i :include
\set dartscsv :test_data '/darts_sample.csv'

CREATE TEMP TABLE darts_csv (genotype text, compact text, nb301_surrogate_val_acc float8);
COPY darts_csv FROM :'dartscsv' (FORMAT csv, HEADER MATCH);
CREATE TABLE darts_sample (arch archgraph PRIMARY KEY, nb301_surrogate_val_acc float8 NOT NULL);
INSERT INTO darts_sample SELECT genotype::archgraph, nb301_surrogate_val_acc FROM darts_csv;

-- both text forms give the same value; every row is a DARTS genotype; it prints as a Genotype
-- string, exactly NASLib's where each node's edges are already sorted by input
SELECT count(*) AS rows, count(DISTINCT genotype::archgraph) AS distinct_values,
       count(*) FILTER (WHERE genotype::archgraph = compact::archgraph) AS compact_same,
       count(*) FILTER (WHERE archgraph_space(genotype::archgraph) = 'darts') AS darts,
       count(*) FILTER (WHERE genotype::archgraph::text = genotype) AS printed_as_naslib,
       count(*) FILTER (WHERE genotype::archgraph::text::archgraph = genotype::archgraph) AS round_trip,
       count(*) FILTER (WHERE archgraph_nodes(genotype::archgraph) = 14 AND archgraph_edges(genotype::archgraph) = 16) AS shape
FROM darts_csv;

-- DARTS_V2 (DARTS' genotypes.py): printed with each node's edges sorted by (input, op)
SELECT $$Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])$$::archgraph AS darts_v2 \gset
SELECT :'darts_v2'::archgraph;
-- the same genotype in other forms: a node's edges swapped, range(2, 6) (model_search.py), JSON, NASLib's compact tuple
SELECT :'darts_v2'::archgraph = $$Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), ('sep_conv_3x3', 1), ('dil_conv_3x3', 2), ('skip_connect', 0)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))$$ AS swapped,
       :'darts_v2'::archgraph = '{"space": "darts", "normal": [["sep_conv_3x3", 0], ["sep_conv_3x3", 1], ["sep_conv_3x3", 0], ["sep_conv_3x3", 1], ["sep_conv_3x3", 1], ["skip_connect", 0], ["skip_connect", 0], ["dil_conv_3x3", 2]], "reduce": [["max_pool_3x3", 0], ["max_pool_3x3", 1], ["skip_connect", 2], ["max_pool_3x3", 1], ["max_pool_3x3", 0], ["skip_connect", 2], ["skip_connect", 2], ["max_pool_3x3", 1]]}' AS json,
       :'darts_v2'::archgraph = '{"space": "darts", "compact": [[[0,3],[1,3],[0,3],[1,3],[1,3],[0,2],[0,2],[2,5]], [[0,0],[1,0],[2,2],[1,0],[0,0],[2,2],[2,2],[1,0]]]}' AS json_compact,
       :'darts_v2'::archgraph = '(((0, 3), (1, 3), (0, 3), (1, 3), (1, 3), (0, 2), (0, 2), (2, 5)), ((0, 0), (1, 0), (2, 2), (1, 0), (0, 0), (2, 2), (2, 2), (1, 0)))' AS compact,
       :'darts_v2'::archgraph = $$Genotype(normal=[('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])$$::archgraph AS another_op;

-- btree and hash indexes and hash joins: the order is the canonical edges in order (normal cell first)
CREATE INDEX darts_sample_hash ON darts_sample USING hash (arch);
SET enable_seqscan = off;
SELECT nb301_surrogate_val_acc FROM darts_sample WHERE arch = (SELECT compact::archgraph FROM darts_csv LIMIT 1);
RESET enable_seqscan;
SELECT bool_and(a < b) AS ordered
FROM (SELECT arch AS a, lead(arch) OVER (ORDER BY arch) AS b FROM darts_sample) t WHERE b IS NOT NULL;
SET enable_mergejoin = off;
SET enable_nestloop = off;
SELECT count(*) AS hash_joined FROM darts_csv c JOIN darts_sample s ON c.compact::archgraph = s.arch;
RESET enable_mergejoin;
RESET enable_nestloop;

-- accessors; what DARTS genotypes do not have
SELECT archgraph_ops(:'darts_v2'), archgraph_nodes(:'darts_v2'), archgraph_edges(:'darts_v2'), archgraph_space(:'darts_v2');
SELECT pg_temp.try(format('SELECT archgraph_matrix(%L)::text', :'darts_v2')) AS matrix,
       pg_temp.try(format('SELECT archgraph_index(%L)::text', :'darts_v2')) AS index,
       pg_temp.try(format('SELECT archgraph_hash(%L)::text', :'darts_v2')) AS hash,
       pg_temp.try($$SELECT count(*)::text FROM archgraph_enumerate('darts')$$) AS enumerate;
SELECT name, id, title, architectures, enumerable FROM search_spaces() ORDER BY id;
SELECT archgraph_canonical(:'darts_v2') = :'darts_v2' AS canonical_is_itself;

-- the sampler (NASLib's sample_random_architecture), mutation (NASLib's mutate), deterministic per seed
SELECT archgraph_random(7, 'darts') = archgraph_random(7, 'darts') AS deterministic,
       archgraph_space(archgraph_random(7, 'darts')) AS space,
       count(DISTINCT archgraph_random(s, 'darts')) AS distinct_of_1000,
       bool_and(NOT 'none' = ANY (archgraph_ops(archgraph_random(s, 'darts')))) AS never_none
FROM generate_series(1, 1000) s;
SELECT archgraph_random(1, 'darts');
-- a mutation changes one edge: an op (the op lists differ in one place) or an input (same ops, other text)
SELECT bool_and(m <> arch) AS changed,
       bool_and((SELECT count(*) FROM unnest(archgraph_ops(arch), archgraph_ops(m)) u(a, b) WHERE a <> b) <= 2) AS at_most_one_node,
       count(*) FILTER (WHERE archgraph_ops(m) = archgraph_ops(arch)) > 0 AS some_inputs_changed
FROM (SELECT arch, archgraph_mutate(arch, hashtext(arch::text)) AS m FROM darts_sample) t;
SELECT archgraph_mutate(:'darts_v2', 1);

-- binary I/O (COPY BINARY) gives the same values
CREATE TEMP TABLE bin AS SELECT arch, nb301_surrogate_val_acc FROM darts_sample;
SELECT current_setting('data_directory') || '/ctnas_darts.bin' AS binfile \gset
COPY bin TO :'binfile' (FORMAT binary);
CREATE TEMP TABLE bin2 (LIKE bin);
COPY bin2 FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE b.nb301_surrogate_val_acc = b2.nb301_surrogate_val_acc) AS same
FROM bin b JOIN bin2 b2 USING (arch);

-- DOT: both cells, as DARTS' visualize.py draws a cell
SELECT archgraph_dot(:'darts_v2');

-- what is not a DARTS genotype
SELECT n, pg_temp.try(format('SELECT %L::archgraph::text', input)) AS result FROM unnest(ARRAY[
  $$Genotype(normal=[('sep_conv_3x3', 0)], normal_concat=[2, 3, 4, 5], reduce=[], reduce_concat=[2, 3, 4, 5])$$,
  $$Genotype(normal=[('conv_7x1_1x7', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])$$,
  $$Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 0), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])$$,
  $$Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 3), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])$$,
  $$Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])$$,
  $$Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)])$$,
  '(((0,0),(1,0),(0,0),(2,4),(1,2),(3,6),(3,1),(4,5)),((1,2),(0,6),(1,1),(2,0),(3,1),(2,5),(1,3),(4,7)))',
  '{"space": "darts", "normal": [], "reduce": []}',
  '{"space": "darts", "genotype": "Genotype("}',
  '{"normal": 1, "reduce": 2}',
  'Genotype'
]::text[]) WITH ORDINALITY v(input, n);

-- the baseline searches run in this space over the sample as oracle (the accuracies are the
-- NAS-Bench-301 surrogate's predictions)
SELECT count(*) FILTER (WHERE NOT final) AS queried, max(acc) FILTER (WHERE final) AS best
FROM random_search('darts_sample', 50, '{"seed": 1, "acc_column": "nb301_surrogate_val_acc"}');
SELECT count(*) FILTER (WHERE NOT final) AS queried, max(acc) FILTER (WHERE final) <= (SELECT max(nb301_surrogate_val_acc) FROM darts_sample) AS best_in_table
FROM evolution_search('darts_sample', 60, '{"seed": 1, "acc_column": "nb301_surrogate_val_acc", "population": 20, "tournament": 5}');

-- the NAC reads a genotype as the reference does (ctnas-reference.md §10.5): each cell a 10-node
-- graph through the same GCN, the two cells' readouts concatenated (67,969 parameters). Trained
-- on two thirds of the sample (in archgraph order), it ranks the other third
SET client_min_messages = warning;  -- (nac_train's notice says how long it took)
CREATE TEMP TABLE darts_split AS
SELECT arch, nb301_surrogate_val_acc AS acc, row_number() OVER (ORDER BY arch) % 3 = 0 AS held_out FROM darts_sample;
INSERT INTO models (name, weights)
SELECT 'darts_paper', nac_train(arch, acc, '{"recipe": "paper", "seed": 1, "epochs": 300}') FROM darts_split WHERE NOT held_out
UNION ALL
SELECT 'darts_default', nac_train(arch, acc, '{"recipe": "default", "seed": 1, "epochs": 300}') FROM darts_split WHERE NOT held_out;
SELECT name, info->>'space' AS space, info->'network'->>'slots' AS slots, info->'network'->>'readout' AS readout,
       info->'network'->>'parameters' AS parameters, info->'training'->>'rows' AS rows
FROM models WHERE name LIKE 'darts_%' ORDER BY name;
SELECT info->'network'->'op_vocabulary' AS vocabulary FROM models WHERE name = 'darts_paper';
-- recipe "default" reads DARTS by the mean of the slots: a DARTS graph's last node is one op of the
-- last intermediate node, not the cell's output (README); "readout": "nodes+sink" still asks for it
SELECT nac_info(nac_train(arch, acc, '{"epochs": 2, "readout": "nodes+sink"}'))->'network'->>'parameters' AS sink_parameters
FROM darts_split WHERE NOT held_out;
SELECT name, kendall_tau(nac_score(arch, name), acc) > 0.4 AS ranks_held_out,
       ctnas_ktau(arch, acc, name ORDER BY arch) > 0.4 AS ctnas_ktau
FROM darts_split, (VALUES ('darts_paper'), ('darts_default')) m(name) WHERE held_out GROUP BY name ORDER BY name;
-- nac_compare: a probability; the antisymmetric head of "default" gives NAC(a, b) = 1 - NAC(b, a)
SELECT nac_compare(a, b, 'darts_paper') BETWEEN 0 AND 1 AS paper_is_probability,
       abs(nac_compare(a, b, 'darts_default') + nac_compare(b, a, 'darts_default') - 1) < 1e-6 AS default_antisymmetric
FROM (SELECT :'darts_v2'::archgraph AS a, archgraph_random(5, 'darts') AS b) v;
-- a genotype with "none" edges (which no sample has) is read too
SELECT nac_score($$Genotype(normal=[('none', 0), ('sep_conv_3x3', 1), ('none', 0), ('none', 2), ('skip_connect', 1), ('dil_conv_5x5', 3), ('avg_pool_3x3', 0), ('none', 4)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('none', 1), ('sep_conv_5x5', 1), ('dil_conv_3x3', 2), ('none', 0), ('none', 1), ('sep_conv_3x3', 3), ('skip_connect', 4)], reduce_concat=[2, 3, 4, 5])$$, 'darts_paper') IS NOT NULL AS scores_none;
-- spaces never mix
SELECT pg_temp.try($$SELECT nac_score(archgraph_random(1), 'darts_paper')::text$$) AS nb101_cell_darts_model;
-- the CTNAS search's recipe "default" (rounds of NAC-ranked queries) runs over the oracle
SELECT count(*) FILTER (WHERE NOT final) AS queried, count(DISTINCT arch) FILTER (WHERE NOT final) AS distinct_cells,
       max(acc) FILTER (WHERE final) <= (SELECT max(nb301_surrogate_val_acc) FROM darts_sample) AS best_in_table
FROM ctnas_search('darts_sample', 60, '{"seed": 1, "acc_column": "nb301_surrogate_val_acc", "first": 20, "rounds": 2, "nac": {"epochs": 50}}');
-- "space": "darts" for recipe "default": the same queries (only the table's rows can be read
-- here), but its final choice is the NAC's best of the whole space (the cells read, 1000
-- random genotypes, 3 rounds of the 8 best's neighbours); "list": 5 adds, before the final row,
-- the 5 best-ranked genotypes the table lacks (no one has evaluated them: acc NULL)
CREATE TEMP TABLE default_space AS
SELECT * FROM ctnas_search('darts_sample', 60, '{"seed": 1, "space": "darts", "list": 5, "acc_column": "nb301_surrogate_val_acc", "first": 20, "rounds": 2, "nac": {"epochs": 50}}');
SELECT count(*) FILTER (WHERE acc IS NOT NULL AND NOT final) AS queried,
       count(*) FILTER (WHERE acc IS NULL AND NOT final) AS listed,
       array_agg(step ORDER BY step) FILTER (WHERE acc IS NULL AND NOT final) AS listed_steps,
       bool_and(queries = 60) FILTER (WHERE acc IS NULL) AS listed_at_the_end,
       bool_and(arch NOT IN (SELECT arch FROM darts_sample)) FILTER (WHERE acc IS NULL AND NOT final) AS listed_not_in_table,
       count(DISTINCT arch) FILTER (WHERE acc IS NULL AND NOT final) AS listed_distinct,
       (SELECT bool_and(ok) FROM (SELECT nac_score >= lead(nac_score) OVER (ORDER BY step) OR lead(nac_score) OVER (ORDER BY step) IS NULL AS ok
                                  FROM default_space WHERE acc IS NULL AND NOT final) t) AS listed_best_first,
       -- (a cell's score may differ in the last bits with the size of the batch it is scored in)
       max(nac_score) FILTER (WHERE final) >= max(nac_score) FILTER (WHERE NOT final) - 1e-5 AS final_is_best_ranked,
       count(*) FILTER (WHERE final) AS finals
FROM default_space;
-- the queries are those of "space": "oracle"; the same seed gives the same rows
SELECT (SELECT array_agg(arch ORDER BY step) FROM default_space WHERE acc IS NOT NULL AND NOT final)
     = (SELECT array_agg(arch ORDER BY step) FROM ctnas_search('darts_sample', 60, '{"seed": 1, "acc_column": "nb301_surrogate_val_acc", "first": 20, "rounds": 2, "nac": {"epochs": 50}}') WHERE NOT final) AS same_queries,
       (SELECT array_agg(arch::text ORDER BY final, step) FROM default_space)
     = (SELECT array_agg(arch::text ORDER BY final, step) FROM ctnas_search('darts_sample', 60, '{"seed": 1, "space": "darts", "list": 5, "acc_column": "nb301_surrogate_val_acc", "first": 20, "rounds": 2, "nac": {"epochs": 50}}')) AS reproducible;
-- over the oracle ("space": "oracle", the default) "list" ranks the table's unread rows
SELECT count(*) AS listed, bool_and(arch IN (SELECT arch FROM darts_sample)) AS in_table,
       bool_and(queries = 30) AS at_the_end
FROM ctnas_search('darts_sample', 30, '{"seed": 4, "list": 3, "acc_column": "nb301_surrogate_val_acc", "first": 10, "rounds": 1, "nac": {"epochs": 20}}')
WHERE acc IS NULL AND NOT final;
SELECT pg_temp.try($$SELECT count(*)::text FROM ctnas_search('darts_sample', 30, '{"list": 1001, "acc_column": "nb301_surrogate_val_acc"}')$$) AS too_many,
       pg_temp.try($$SELECT count(*)::text FROM ctnas_search('darts_sample', 30, '{"list": -1, "acc_column": "nb301_surrogate_val_acc"}')$$) AS negative;
-- the CTNAS search's recipe "paper": the reference's LargeSpaceController (two LSTM samplers, normal
-- then reduction cell, 32 decisions; a node's second input is never its first) trained by REINFORCE
-- with the NAC's reward; "space": "darts" proposes from the whole space, so its final genotype is
-- not one of the oracle's rows and has no accuracy here
CREATE TEMP TABLE paper_search AS
SELECT * FROM ctnas_search('darts_sample', 100, '{"seed": 1, "recipe": "paper", "space": "darts", "acc_column": "nb301_surrogate_val_acc",
                                                "iterations": 200, "derive_every": 100, "pseudo_every": 100, "nac": {"epochs": 50}}');
SELECT count(*) FILTER (WHERE NOT final) AS queried, count(DISTINCT arch) FILTER (WHERE NOT final) AS distinct_cells,
       bool_and(archgraph_space(arch) = 'darts') AS darts, count(*) FILTER (WHERE final) AS finals,
       bool_and(acc IS NULL) FILTER (WHERE final) AS final_without_acc,
       bool_and(arch NOT IN (SELECT arch FROM darts_sample)) FILTER (WHERE final) AS final_outside_oracle
FROM paper_search;
-- the same seed, the same final genotype; over the oracle's rows ("space": "oracle") the final is a row
SELECT (SELECT arch FROM paper_search WHERE final)
     = (SELECT arch FROM ctnas_search('darts_sample', 100, '{"seed": 1, "recipe": "paper", "space": "darts", "acc_column": "nb301_surrogate_val_acc",
                                                "iterations": 200, "derive_every": 100, "pseudo_every": 100, "nac": {"epochs": 50}}') WHERE final) AS reproducible,
       (SELECT arch IN (SELECT arch FROM darts_sample) AND acc IS NOT NULL
        FROM ctnas_search('darts_sample', 60, '{"seed": 2, "recipe": "paper", "acc_column": "nb301_surrogate_val_acc",
                                              "iterations": 50, "derive_every": 25, "pseudo_every": 25, "nac": {"epochs": 20}}') WHERE final) AS oracle_final;
-- recipe "paper" lists too: its candidates add 1000 samples of the trained controller
SELECT count(*) AS listed, bool_and(arch NOT IN (SELECT arch FROM darts_sample)) AS not_in_table
FROM ctnas_search('darts_sample', 40, '{"seed": 5, "recipe": "paper", "space": "darts", "list": 3, "acc_column": "nb301_surrogate_val_acc",
                                       "iterations": 20, "derive_every": 10, "pseudo_every": 10, "nac": {"epochs": 5}}')
WHERE acc IS NULL AND NOT final;
-- the reference's controller logit scaling (off by default, as there): options of recipe "paper"
SELECT count(*) FILTER (WHERE NOT final) AS queried, count(*) FILTER (WHERE final) AS finals
FROM ctnas_search('darts_sample', 40, '{"seed": 3, "recipe": "paper", "space": "darts", "acc_column": "nb301_surrogate_val_acc",
                                       "temperature": 5, "tanh_constant": 2.5, "op_tanh_reduce": 2.5,
                                       "iterations": 30, "derive_every": 15, "pseudo_every": 15, "nac": {"epochs": 5}}');
SELECT pg_temp.try($$SELECT count(*)::text FROM ctnas_search('darts_sample', 40, '{"recipe": "paper", "temperature": -1, "acc_column": "nb301_surrogate_val_acc"}')$$) AS negative,
       pg_temp.try($$SELECT count(*)::text FROM ctnas_search('darts_sample', 40, '{"tanh_constant": 2.5, "acc_column": "nb301_surrogate_val_acc"}')$$) AS recipe_default;
DELETE FROM models WHERE name LIKE 'darts_%';
DROP TABLE darts_sample;
