-- One training machine's round trip, as each pgbench client runs it (see
-- test/bench/trials_throughput.sh): claim a trial of job :job, committed at
-- once (the claim is the client's for the job's lease), then report its
-- accuracy, committed.  pgbench's tps is trials per second.
SELECT trial FROM ctnas.trial_claim('pgbench', :job) \gset
SELECT ctnas.trial_report(:trial, 50.0);
