-- A measurement for issue 6 (the CTNAS search), not a product feature: NAC-guided
-- search in rounds on the full table.  Query `first` random cells; then, each
-- round, train a NAC on everything queried so far, score every unqueried cell
-- of the oracle with nac_score and query the best-ranked ones, until the budget
-- is spent.  Reports the best test_acc_run0 found.
--   gzip -dc ../shared/data/nb101/nb101_all_run0test.csv.gz | psql -X -f data/load_nb101.sql
--   psql -X -f test/bench/guided_search.sql
-- Measured (2026-11-25, seeds 1-3, 423 queries, first 100, 4 rounds, recipe "paper",
-- 300 epochs): best 0.9466, 0.9466, 0.9449 (the table's best cell is 0.9466), ~70 s each.
CREATE OR REPLACE FUNCTION pg_temp.guided(seed int, budget int, first int, rounds int, epochs int, recipe text)
RETURNS TABLE(queries bigint, best float8) LANGUAGE plpgsql AS $$
DECLARE per int; r int; m bytea;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS q (arch ctnas.archgraph, acc float8);
  TRUNCATE q;
  INSERT INTO q SELECT arch, test_acc_run0 FROM nb101 ORDER BY md5(hash || seed::text) LIMIT first;
  per := (budget - first) / rounds;
  FOR r IN 1..rounds LOOP
    SELECT ctnas.nac_train(arch, acc, jsonb_build_object('seed', seed, 'epochs', epochs, 'recipe', recipe)) INTO m FROM q;
    INSERT INTO q SELECT n.arch, n.test_acc_run0 FROM nb101 n
      WHERE NOT EXISTS (SELECT 1 FROM q WHERE q.arch OPERATOR(ctnas.=) n.arch)
      ORDER BY ctnas.nac_score(n.arch, m) DESC
      LIMIT CASE WHEN r = rounds THEN budget - (SELECT count(*) FROM q) ELSE per END;
  END LOOP;
  RETURN QUERY SELECT count(*), max(acc) FROM q;
END $$;
SET client_min_messages = warning;
\timing on
SELECT s AS seed, g.* FROM generate_series(1, 3) s, LATERAL pg_temp.guided(s, 423, 100, 4, 300, 'paper') g;
