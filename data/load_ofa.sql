-- Loads the shipped OFA MobileNetV3 subnets (data/ofa_mbv3_w10.csv, 2,162 rows) into table ofa_w10.
-- The CSV comes on standard input, so any role can run it (client-side \copy):
--
--   psql -X -f data/load_ofa.sql < data/ofa_mbv3_w10.csv
--
-- arch is the subnet as ctnas.archgraph, cast from OFA's dict {"ks": [...], "e": [...], "d": [...]}.
-- top1_imagenet_val_supernet_weights is the ImageNet-1k validation top-1 (percent) of the subnet with
-- weights INHERITED from the OFA supernet, no fine-tuning (Intel DyNAS-T's search logs; data/README.md).
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS ctnas;
CREATE TEMP TABLE ofa_csv (arch text, top1_imagenet_val_supernet_weights float8, macs int8);
-- HEADER MATCH: the file's header must name exactly these columns, in this order
\copy ofa_csv FROM pstdin (FORMAT csv, HEADER MATCH)
CREATE TABLE ofa_w10 (
  arch ctnas.archgraph PRIMARY KEY,            -- the subnet (inactive layer slots are not part of it)
  top1_imagenet_val_supernet_weights float8 NOT NULL,
  macs int8 NOT NULL
);
COMMENT ON TABLE ofa_w10 IS
  '2,162 subnets of the OFA MobileNetV3 w1.0 supernet that Intel DyNAS-T evaluated (data/ofa_mbv3_w10.csv)';
COMMENT ON COLUMN ofa_w10.top1_imagenet_val_supernet_weights IS
  'ImageNet-1k validation top-1, percent, with weights inherited from the supernet (no fine-tuning), mean over repeats';
COMMENT ON COLUMN ofa_w10.macs IS 'multiply-accumulates at resolution 224';
INSERT INTO ofa_w10 SELECT arch::ctnas.archgraph, top1_imagenet_val_supernet_weights, macs FROM ofa_csv;
ANALYZE ofa_w10;
SELECT count(*) AS subnets, round(max(top1_imagenet_val_supernet_weights)::numeric, 3) AS best_top1
FROM ofa_w10;
