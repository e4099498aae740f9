-- The keys of table nb101, for data/load_sample.sql and data/load_nb101.sql (\ir): a cell is
-- unique; on a Citus coordinator, with -v distributed=1, the table is distributed by hash.
\if :{?distributed}
\else
\set distributed off
\endif
\if :distributed
-- Citus: every unique constraint of a distributed table must hold its distribution column (hash);
-- the check makes a second row of a cell a second row of its hash (about 14 us per row)
ALTER TABLE nb101 ADD CONSTRAINT nb101_hash_of_arch CHECK (hash = ctnas.archgraph_hash(arch));
CREATE INDEX nb101_arch ON nb101 (arch);
SELECT create_distributed_table('nb101', 'hash');
\else
ALTER TABLE nb101 ADD CONSTRAINT nb101_arch_key UNIQUE (arch);
\endif
