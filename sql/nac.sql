-- The NAC: training with the aggregate, the models catalog, compare, score, info, errors.
-- Floats are compared, not printed: OpenBLAS picks kernels per CPU.
SET search_path = public, ctnas;
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include

CREATE TABLE nb101 (hash text PRIMARY KEY, arch archgraph NOT NULL, num_vertices int,
                    test_acc_run0 float8 NOT NULL, trainable_parameters bigint);
COPY nb101 FROM :'sample' (FORMAT csv, HEADER);
-- a fixed split of the sample: 400 cells to train on, the rest held out
CREATE TABLE train AS SELECT * FROM nb101 ORDER BY md5(hash || 'split') LIMIT 400;
CREATE TABLE held_out AS SELECT * FROM nb101 WHERE hash NOT IN (SELECT hash FROM train);

\getenv abs_srcdir PG_ABS_SRCDIR
\set try_include :abs_srcdir '/sql/include/try.psql'
\i :try_include

-- training and saving is one statement (NOTICE shows seconds, so it is silenced here)
SET client_min_messages = warning;
INSERT INTO models(name, weights)
  SELECT 'sample', nac_train(arch, test_acc_run0, '{"epochs": 300, "seed": 7}') FROM train;
RESET client_min_messages;
SELECT name, owner = current_user AS mine, info->'network' AS network,
       info->'recipe'->>'name' AS recipe, info->'recipe'->'seed' AS seed,
       info->'training'->'rows' AS rows, info->'training'->'epochs' AS epochs,
       info->'training'->'steps' AS steps, (info->'training'->>'final_loss')::float8 < 0.69 AS loss_below_chance,
       octet_length(weights) AS bytes
FROM models;
SELECT nac_info(weights) - 'training' - 'network' FROM models;

-- the ranking is real: on held-out cells the score agrees with test_acc_run0
SELECT corr(nac_score(arch, 'sample'), test_acc_run0) > 0.3 AS score_correlates,
       count(*) AS held_out
FROM held_out;
SELECT avg((nac_compare(a.arch, b.arch, 'sample') > 0.5)::int) > 0.6 AS compare_agrees
FROM (SELECT arch, test_acc_run0, row_number() OVER (ORDER BY hash) AS i FROM held_out) a
JOIN (SELECT arch, test_acc_run0, row_number() OVER (ORDER BY hash) AS i FROM held_out) b
  ON b.i = a.i + 1 AND a.test_acc_run0 > b.test_acc_run0;

-- the three ways to name a model agree exactly
SET ctnas.model = 'sample';
SELECT bool_and(nac_compare(a.arch, b.arch) = nac_compare(a.arch, b.arch, 'sample')
            AND nac_compare(a.arch, b.arch) = nac_compare(a.arch, b.arch, (SELECT weights FROM models WHERE name = 'sample'))
            AND nac_score(a.arch) = nac_score(a.arch, (SELECT weights FROM models WHERE name = 'sample'))
            AND nac_compare(a.arch, b.arch) BETWEEN 0 AND 1) AS agree
FROM (SELECT arch FROM held_out ORDER BY hash LIMIT 30) a, (SELECT arch FROM held_out ORDER BY hash DESC LIMIT 30) b;
-- recipe "default" (the default) has the antisymmetric head: NAC(a, b) = 1 - NAC(b, a)
SELECT bool_and(abs(nac_compare(a.arch, b.arch) + nac_compare(b.arch, a.arch) - 1) < 1e-9) AS antisymmetric
FROM (SELECT arch FROM held_out ORDER BY hash LIMIT 20) a, (SELECT arch FROM held_out ORDER BY hash DESC LIMIT 20) b;
-- recipe "paper" is the reference network, and options shape others
SET client_min_messages = warning;
SELECT (nac_info(nac_train(arch, test_acc_run0, '{"recipe": "paper", "epochs": 2}'))->'network') - 'op_vocabulary'::text AS paper,
       (nac_info(nac_train(arch, test_acc_run0, '{"recipe": "paper", "epochs": 2, "directions": "both", "layers": 2, "width": 16}'))->'network') - 'op_vocabulary'::text AS variant
FROM train;
-- recipe "default" reads [mean over the nodes; the output node] in both directions (twice the
-- features, 256 more parameters); "readout": "slots" is the reference's mean over all 7 slots;
-- "readout" and "directions" combine in either order
SELECT (nac_info(nac_train(arch, test_acc_run0, '{"epochs": 2}'))->'network') - 'op_vocabulary'::text AS default_network,
       nac_info(nac_train(arch, test_acc_run0, '{"epochs": 2, "readout": "slots"}'))->'network'->>'readout' AS slots,
       nac_info(nac_train(arch, test_acc_run0, '{"epochs": 2, "readout": "nodes+sink", "directions": "forward"}'))->'network'->>'readout' AS sink_forward,
       nac_info(nac_train(arch, test_acc_run0, '{"epochs": 2, "directions": "forward", "readout": "nodes+sink"}'))->'network'->>'readout' AS same_other_order,
       nac_info(nac_train(arch, test_acc_run0, '{"recipe": "paper", "epochs": 2, "readout": "nodes+sink"}'))->'network'->'parameters' AS paper_with_sink
FROM train;
-- weight averaging: recipe "default" keeps the mean of the second half's end-of-epoch weights,
-- "average" sets the fraction (0: the last step's weights, the 0.1.0 default); the model says which
SELECT nac_info(d)->'recipe'->'average' AS default_average, nac_info(n)->'recipe'->'average' AS none,
       nac_info(q)->'recipe'->'average' AS quarter, nac_info(p)->'recipe'->'average' AS paper,
       substr(d, 121, length(d) - 124) <> substr(n, 121, length(n) - 124) AS averaging_changes_weights,
       substr(d, 121, length(d) - 124) <> substr(q, 121, length(q) - 124) AS fraction_matters,
       substr(d, 1, 27) || substr(d, 29, 92) = substr(n, 1, 27) || substr(n, 29, 92) AS same_header_but_byte_27
FROM (SELECT nac_train(arch, test_acc_run0, '{"epochs": 8, "seed": 3}') AS d,
             nac_train(arch, test_acc_run0, '{"epochs": 8, "seed": 3, "average": 0}') AS n,
             nac_train(arch, test_acc_run0, '{"epochs": 8, "seed": 3, "average": 0.25}') AS q,
             nac_train(arch, test_acc_run0, '{"recipe": "paper", "epochs": 2}') AS p FROM train) m;
RESET client_min_messages;
-- the score orders cells exactly as their mean chance of beating a fixed set does
WITH cells AS (SELECT arch FROM held_out ORDER BY hash LIMIT 60),
     fixed AS (SELECT arch FROM train ORDER BY hash LIMIT 25),
     m AS (SELECT c.arch, nac_score(c.arch) AS score, avg(nac_compare(c.arch, f.arch)) AS mean_win
           FROM cells c, fixed f GROUP BY c.arch)
SELECT count(*) FILTER (WHERE sign(x.score - y.score) <> sign(x.mean_win - y.mean_win)) AS discordant
FROM m x, m y WHERE x.arch < y.arch;

-- deterministic: same rows in another order, same options -> the same bytes
SET client_min_messages = warning;
SELECT (SELECT nac_train(arch, test_acc_run0 ORDER BY hash DESC) FROM (SELECT * FROM train LIMIT 50) t)
     = (SELECT nac_train(arch, test_acc_run0 ORDER BY test_acc_run0) FROM (SELECT * FROM train LIMIT 50) t) AS same_bytes,
       (SELECT nac_train(arch, test_acc_run0, '{"epochs": 20, "seed": 1}') FROM train)
     = (SELECT nac_train(arch, test_acc_run0, '{"epochs": 20, "seed": 2}') FROM train) AS seeds_differ_equal;
-- a parallel plan (partial aggregates, combine, serialize) gives the same model
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT nac_train(arch, test_acc_run0, '{"epochs": 5}') FROM nb101;
CREATE TEMP TABLE par AS SELECT nac_train(arch, test_acc_run0, '{"epochs": 5}') AS w FROM nb101;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
SET max_parallel_workers_per_gather = 0;
SELECT (SELECT w FROM par) = nac_train(arch, test_acc_run0, '{"epochs": 5}') AS parallel_equals_serial FROM nb101;
RESET max_parallel_workers_per_gather;
-- NULL rows are skipped
SELECT (nac_info(nac_train(arch, acc, '{"epochs": 1}'))->'training'->>'rows')::int AS rows
FROM (VALUES (archgraph_random(1), 0.5), (NULL, 0.7), (archgraph_random(2), NULL), (archgraph_random(3), 0.9)) v(arch, acc);
RESET client_min_messages;

-- the cache follows the table: replace the model, the next call sees the new one
SELECT nac_score(arch) AS before FROM train ORDER BY hash LIMIT 1 \gset
SET client_min_messages = warning;
UPDATE models SET weights = (SELECT nac_train(arch, test_acc_run0, '{"epochs": 3, "seed": 99}') FROM train) WHERE name = 'sample';
RESET client_min_messages;
SELECT nac_score(arch) <> :before AS changed, (SELECT info->'recipe'->'seed' FROM models) AS seed
FROM train ORDER BY hash LIMIT 1;
DELETE FROM models WHERE name = 'sample';
SELECT pg_temp.try($$SELECT nac_score(arch)::text FROM train LIMIT 1$$);

-- errors, each leaving nothing behind
SET client_min_messages = warning;
INSERT INTO models(name, weights) SELECT 'small', nac_train(arch, test_acc_run0, '{"epochs": 2}') FROM train;
RESET client_min_messages;
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT nac_train(arch, test_acc_run0)::text FROM train WHERE false$$),
  ($$SELECT nac_train(arch, test_acc_run0)::text FROM (SELECT * FROM train LIMIT 1) t$$),
  ($$SELECT nac_train(arch, 0.5)::text FROM train$$),
  ($$SELECT nac_train(arch, 'NaN')::text FROM train$$),
  ($$SELECT nac_train(arch, '-Infinity')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"epoch": 5}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"epochs": "5"}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"epochs": 0}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"epochs": 2.5}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"lr": -1}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"beta2": 1}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"seed": -1}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"recipe": "magic"}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '[1]')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"directions": "sideways"}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"readout": "sink"}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"head": "diff"}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"width": 0}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"average": 0.333}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"average": 1}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, '{"layers": 17}')::text FROM train$$),
  ($$SELECT nac_train(arch, test_acc_run0, jsonb_build_object('epochs', 1 + (hash < '8')::int))::text FROM train$$),
  ($$SELECT nac_compare(arch, arch, 'nope')::text FROM train LIMIT 1$$),
  ($$SELECT nac_compare(arch, arch, '\xdeadbeef'::bytea)::text FROM train LIMIT 1$$),
  ($$SELECT nac_info(substr(weights, 1, 5000))::text FROM models$$),
  ($$SELECT nac_info(weights || '\x00'::bytea)::text FROM models$$),
  ($$SELECT nac_info(overlay(weights placing '\xff'::bytea from 3000))::text FROM models$$),
  ($$SELECT nac_info(overlay(weights placing '\x0200'::bytea from 9))::text FROM models$$),
  ($$SELECT nac_info(''::bytea)::text$$),
  ($$INSERT INTO models(name, weights) VALUES ('bad', '\x00')$$),
  ($$INSERT INTO models(name, weights) VALUES ('bad', NULL)$$),
  ($$INSERT INTO models(name, weights) SELECT 'small', weights FROM models$$)
) t(q);
SELECT count(*) AS models FROM models;
RESET ctnas.model;
SELECT pg_temp.try($$SELECT nac_score(arch)::text FROM train LIMIT 1$$);
SELECT pg_temp.try($$SELECT nac_compare(arch, arch)::text FROM train LIMIT 1$$);

-- a cancel stops training promptly (here: a statement timeout during a long training)
SET statement_timeout = '300ms';
SELECT nac_train(arch, test_acc_run0, '{"epochs": 1000000}') FROM train;
RESET statement_timeout;

-- row-level security: everyone reads and uses models, only owners change them
CREATE ROLE ctnas_alice;
CREATE ROLE ctnas_bob;
CREATE ROLE ctnas_team;
GRANT ctnas_team TO ctnas_alice;
GRANT SELECT ON train TO ctnas_alice, ctnas_bob;
SET ROLE ctnas_alice;
SET client_min_messages = warning;
INSERT INTO models(name, weights) SELECT 'alices', nac_train(arch, test_acc_run0, '{"epochs": 2}') FROM train;
INSERT INTO models(name, owner, weights) SELECT 'teams', 'ctnas_team', nac_train(arch, test_acc_run0, '{"epochs": 2}') FROM train;
RESET client_min_messages;
SET ROLE ctnas_bob;
SELECT name, owner FROM models ORDER BY name;
SELECT nac_score(arch, 'alices') IS NOT NULL AS bob_can_use FROM train LIMIT 1;
-- (RLS hides other owners' rows from UPDATE and DELETE: nothing happens)
WITH u AS (UPDATE models SET name = 'bobs' WHERE name = 'alices' RETURNING 1) SELECT count(*) AS updated FROM u;
WITH d AS (DELETE FROM models WHERE name = 'alices' RETURNING 1) SELECT count(*) AS deleted FROM d;
SELECT pg_temp.try($$INSERT INTO models(name, owner, weights) SELECT 'fake', 'ctnas_alice', weights FROM models WHERE name = 'alices'$$);
RESET ROLE;
GRANT ctnas_team TO ctnas_bob;
SET ROLE ctnas_bob;
WITH u AS (UPDATE models SET name = 'teams2' WHERE name = 'teams' RETURNING 1) SELECT count(*) AS updated_as_member FROM u;
RESET ROLE;
SELECT name, owner FROM models ORDER BY name;
-- a model whose owner role is dropped belongs to nobody: others' scans over it work, and change nothing
DROP OWNED BY ctnas_alice;
DROP ROLE ctnas_alice;
SET ROLE ctnas_bob;
WITH d AS (DELETE FROM models WHERE length(name) > 0 RETURNING name) SELECT string_agg(name, ', ') AS bob_deleted FROM d;
RESET ROLE;
-- (owner_oid binds a row to the role that had the name: the dropped role's OID names no role now)
SELECT name, owner, EXISTS (SELECT 1 FROM pg_roles r WHERE r.oid = owner_oid) AS owner_exists FROM models ORDER BY name;
-- a role created later under the dropped role's name does not inherit its models
CREATE ROLE ctnas_alice;
SET ROLE ctnas_alice;
WITH u AS (UPDATE models SET info = info WHERE name = 'alices' RETURNING 1) SELECT count(*) AS new_alice_updated FROM u;
WITH d AS (DELETE FROM models WHERE name = 'alices' RETURNING 1) SELECT count(*) AS new_alice_deleted FROM d;
RESET ROLE;
SELECT name, owner, EXISTS (SELECT 1 FROM pg_roles r WHERE r.oid = owner_oid) AS owner_exists FROM models ORDER BY name;
DROP ROLE ctnas_alice;
DELETE FROM models;
DROP OWNED BY ctnas_bob;
DROP ROLE ctnas_bob, ctnas_team;
-- a NAC of the MLP kind (the OFA space's MBSpaceNAC, model byte 13 = 2; here 2 Linear layers of width 2, written by the C core)
\set mlp_hex 43544e41534e414301007800040202000200780004000102000002000500000000000000e8030000000100002d431cebe2362a3f000000000000e03f2b8716d9cef7ef3f3a8c30e28e79453efca9f1d24d62403f0a00000000000000010000000100000000000000000000000000e03ffd000000000000002c3b1ebd294a4a3de1ad983c4ae31a3d53abdf3c95d52f3d8476703d554333bc2afc473b1dcf80bd18c6543d2784863d3e2b3a3a1b84b4bd13d3663d793287bd8c98cdbce49249bc3e11b2bc6927a4bd9967ba3d93d615bdde833abdcb1e94bd597edabc46c560bd71b4333d3c6f81bd88f73e3c8dca34bd4d0a8b3d610b8e3d9a29073dd33606bda7ae723dcceb3dbdeaad65bb0767273b2681243d3b1fb7b910b2f7bcdea8e43c4a0826bcbae05b3d8696a5bdad9c683d2e28933d965c3c3df980aa3c781228bd8ba8883d252c86bd22f071bd34a1543d517a8dbdd3813f3d6b47043c05d340bda8af6c3ddf4d1fbcef88063d12e7463d90e9e1bcbf1eb93c15b8453d2949afbdbe0aa5bc91c514bd9ca03e3c720d7abdac46913c4b8398bdd431b7bcd2f173bd1bf9c53cadd4b5bacf4424bde81fd4bc64e1773c0d40acbd448706bd57dc76bd46e68c3c0e9d5dbdeb4127bc911e5abd4cc285bdb605c43c84b6b33d7432a8bcb15d4dbd780cb7bd58d88b3dc8932dbd7102aebd81f2f2bbce15a23dcdd537bd8416acbc987b863dda553b3cb59b91bdba55adbd91ac56bd650078bde964fabc3d50683ceaf2933d9f953e3d0e330a3d4faf2f3d704b66bd9ba3813c98a7ac3b934b63bc7f1f0fbcccbc50bd0f21a7bda40a713d5e4f2ebd4ae8ebbb58ae60bcb6c5223c5e1429bc8105a0bdf54594bdd36151bcecf3acbdbbbfa0bcebec3cbd969035bd8f34aebd4fe3de3c15eaa8bd8b365b3dff6c08bdbdc98c3c32a1763d7affb93d4f1a673dfdec4d3d2bda3b3dd6663cbd5932b3bdbb9800bdcdce12bdce10b83dc97f4ebb886835bd4f6fa63db58fa13d433a3d3c1879acbcb1bdb53d6bdf833d142058bb88f1933dd2db84bcf56cb4bd98fb053c2b9fb6bd3ccf9d3d6638ba3d5115b3bd33a033bd091c91bdb815233cb7973d3d2dc1253c12e69f3c528281bd299945bb2d567dbca2b7d13ceb3293bdca4360bdf37de3bc2221903d8f5713bdfb0b85bd38800e3d29145f3dff9b2c3df90aa8bca018833da30bb2bd33fd99bd0942a03d8eb96a3c7d20993d463a42bd7241a3bd8b7408bbadb8923c0c5553bc6e118a3d2769fcbc9414adbd132e75bd19135abdd3caa1bde4d940bdd192d03ca238ba3d0eaf0f3d998997bccf7eb8bdeeba70bd145ca93d4db1193d7acd3abd75a0febcb9a54d3dfc3d9fbd89ae413dce3e76bc17cc873d098d63bd7188b43da4dc8dbd84c4fabcdfd8cdbc7a5053bd8ee908bddb566fbd1340413cfcb90ebd5a939a3d65115fbc0698b83d009246bb8b1c04bd63dc67bc6aad1ebdee6a38bd11076e3c7b3fb13d2a62b53d2ffa93bc8a94c8bb1058943c1b32843d2479cdbe20019cbeb2e80f3ff0f8103f9d50dabe251c293f545fa3be335c9a3e545fa33e335c9abe00000000de95859a
SELECT nac_info(decode(:'mlp_hex', 'hex'))->>'space' AS space, jsonb_pretty(nac_info(decode(:'mlp_hex', 'hex'))->'network') AS network,
       nac_info(decode(:'mlp_hex', 'hex'))->'recipe'->>'name' AS recipe;
-- its network byte made the GCN's (1) is refused
SELECT nac_info(overlay(decode(:'mlp_hex', 'hex') placing '\x01'::bytea from 14));

-- Citus (issue 18): without it, citus_enable() says what it needs; only superusers call it
SELECT ctnas.citus_enable();
SELECT has_function_privilege('public', 'ctnas.citus_enable()', 'EXECUTE') AS public_enables;
-- weights given per row are told apart row by row (the shortcut for weights that are one value for the
-- whole query, a constant or a parameter, does not apply to a column): two models alternating
CREATE TEMP TABLE two_models AS
  SELECT n, nac_train(arch, test_acc_run0, jsonb_build_object('epochs', 2, 'seed', n)) AS w
  FROM train, generate_series(1, 2) n GROUP BY n;
SELECT count(*) AS cells,
       count(*) FILTER (WHERE nac_score(h.arch, m.w) = nac_score(h.arch, (SELECT w FROM two_models WHERE n = m.n))) AS same_score,
       count(DISTINCT m.n) AS models
FROM (SELECT arch, row_number() OVER (ORDER BY hash) AS i FROM held_out LIMIT 200) h
JOIN two_models m ON m.n = 1 + h.i % 2;
PREPARE score_with(bytea) AS SELECT round(sum(nac_score(arch, $1))::numeric, 6) FROM held_out;
-- a parameter: one value per execution, and the next execution's other value is seen
SELECT encode(w, 'hex') AS w1 FROM two_models WHERE n = 1 \gset
SELECT encode(w, 'hex') AS w2 FROM two_models WHERE n = 2 \gset
EXECUTE score_with(decode(:'w1', 'hex')) \gset s1_
EXECUTE score_with(decode(:'w2', 'hex')) \gset s2_
EXECUTE score_with(decode(:'w1', 'hex')) \gset s3_
SELECT :'s1_round' <> :'s2_round' AS models_differ, :'s1_round' = :'s3_round' AS same_again,
       :'s2_round' = (SELECT round(sum(nac_score(arch, (SELECT w FROM two_models WHERE n = 2)))::numeric, 6) FROM held_out)::text AS second_right;
