#!/usr/bin/env bash
# The time an external search over NAS-Bench-101 (a space that cannot be listed) takes from its
# submit to its first proposals: a worker starts and draws the pool of 100,000 architectures.
# Run: make install && pg_virtualenv -v 15 bash test/bench/trials_pool_time.sh
psql -X -q -c "CREATE EXTENSION ctnas"
psql -X -At <<'SQL'
SELECT ctnas.search_submit(NULL, 50, '{"evaluator": "external", "space": "nb101", "batch": 10, "seed": 3}', 'random') AS j \gset
DO $$ BEGIN FOR i IN 1..3000 LOOP EXIT WHEN EXISTS (SELECT 1 FROM ctnas.search_trials); PERFORM pg_sleep(0.01); END LOOP; END $$;
SELECT 'submit to first proposals (random search, NB101 pool of 100,000): ' || round(extract(epoch FROM min(proposed_at) - (SELECT submitted_at FROM ctnas.search_jobs WHERE id = :j))::numeric, 2) || ' s' FROM ctnas.search_trials;
SQL
