-- Every way text input can be wrong, with its SQLSTATE:
-- 22P02 malformed text, 22023 invalid cell, 54000 beyond the limits.
SET search_path = ctnas, public;

CREATE FUNCTION pg_temp.try(input text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE msg text; det text; st text;
BEGIN
  RETURN input::archgraph::text;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RETURN st || ': ' || msg || coalesce(' / ' || nullif(det, ''), '');
END $$;

SELECT input, pg_temp.try(input) AS result FROM (VALUES
  -- malformed text: 22P02
  (''),
  ('xx'),
  ('[1,2]'),
  ('{"matrix":[[0,1],[0,0]],"ops":["input","output"]} trailing'),
  ('{"matrix":[[0,1],[0,0]],"ops":["input","output"]'),
  ('{"matrix":[[0,1],[0,0]]}'),
  ('{"ops":["input","output"]}'),
  ('{"matrix":[[0,1],[0,0]],"ops":["input","output"],"extra":1}'),
  ('{"matrix":[[0,1],[0,0]],"module_adjacency":[[0,1],[0,0]],"ops":["input","output"]}'),
  ('{"matrix":[[0,1],[0,0]],"ops":["input","output"],"ops":["input","output"]}'),
  ('{"matrix":"01","ops":["input","output"]}'),
  ('{"matrix":[0,1],"ops":["input","output"]}'),
  ('{"matrix":[[0,"1"],[0,0]],"ops":["input","output"]}'),
  ('{"matrix":[[0,true],[0,0]],"ops":["input","output"]}'),
  ('{"matrix":[[0,1],[0,0]],"ops":"input,output"}'),
  ('{"matrix":[[0,1],[0,0]],"ops":["input",5]}'),
  ('{"matrix":[[0,1],[0,0]],"ops":["input","output\u0000"]}'),
  -- invalid cells: 22023
  ('{"matrix":[],"ops":[]}'),
  ('{"matrix":[[0]],"ops":["input"]}'),
  ('{"matrix":[[0,1],[0]],"ops":["input","output"]}'),
  ('{"matrix":[[0,1,0],[0,0,1]],"ops":["input","conv3x3-bn-relu","output"]}'),
  ('{"matrix":[[0,2],[0,0]],"ops":["input","output"]}'),
  ('{"matrix":[[0,0.5],[0,0]],"ops":["input","output"]}'),
  ('{"matrix":[[0,-1],[0,0]],"ops":["input","output"]}'),
  ('{"matrix":[[1,1],[0,0]],"ops":["input","output"]}'),
  ('{"matrix":[[0,1],[1,0]],"ops":["input","output"]}'),
  ('{"matrix":[[0,1,1],[0,0,1],[0,1,0]],"ops":["input","conv3x3-bn-relu","output"]}'),
  ('{"matrix":[[0,1],[0,0]],"ops":["input"]}'),
  ('{"matrix":[[0,1],[0,0]],"ops":["output","input"]}'),
  ('{"matrix":[[0,1],[0,0]],"ops":["conv3x3-bn-relu","output"]}'),
  ('{"matrix":[[0,1],[0,0]],"ops":["input","maxpool3x3"]}'),
  ('{"matrix":[[0,1,0],[0,0,1],[0,0,0]],"ops":["input","conv5x5","output"]}'),
  ('{"matrix":[[0,1,0],[0,0,1],[0,0,0]],"ops":["input","Conv3x3-BN-ReLU","output"]}'),
  ('{"matrix":[[0,1,0],[0,0,1],[0,0,0]],"ops":["input","conv3x3-bn-relu ","output"]}'),
  ('{"matrix":[[0,1,0],[0,0,1],[0,0,0]],"ops":["input","conv3x3\\u0000","output"]}'),
  ('{"matrix":[[0,1,0],[0,0,1],[0,0,0]],"ops":["input","output","output"]}'),
  ('{"matrix":[[0,1,0],[0,0,1],[0,0,0]],"ops":["input","input","output"]}'),
  ('{"matrix":[[0,0],[0,0]],"ops":["input","output"]}'),
  ('{"matrix":[[0,1,0],[0,0,0],[0,0,0]],"ops":["input","conv3x3-bn-relu","output"]}'),
  ('{"matrix":[[0,0,0],[0,0,1],[0,0,0]],"ops":["input","conv3x3-bn-relu","output"]}')
) AS t(input);

-- beyond the limits: 54000 (8 nodes on the path; 10 edges; a 33-row matrix)
SELECT pg_temp.try(format('{"matrix":%s,"ops":%s}',
         (SELECT json_agg((SELECT json_agg(CASE WHEN j = i + 1 THEN 1 ELSE 0 END) FROM generate_series(0, 7) j)) FROM generate_series(0, 7) i),
         '["input","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","output"]'));
SELECT pg_temp.try('{"matrix":[[0,1,1,1,1,1,1],[0,0,1,1,1,1,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]],"ops":["input","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","output"]}');
SELECT pg_temp.try(format('{"matrix":%s,"ops":%s}',
         (SELECT json_agg((SELECT json_agg(0) FROM generate_series(0, 32))) FROM generate_series(0, 32)),
         (SELECT json_agg('maxpool3x3'::text) FROM generate_series(0, 32))));

-- 9 nodes, two of them dangling: pruned to 7, so valid
SELECT pg_temp.try('{"matrix":[[0,1,0,0,0,0,0,1,0],[0,0,1,0,0,0,0,0,0],[0,0,0,1,0,0,0,0,0],[0,0,0,0,1,0,0,0,0],[0,0,0,0,0,1,0,0,0],[0,0,0,0,0,0,0,0,1],[0,0,0,0,0,0,0,0,0],[0,0,0,0,0,0,0,0,0],[0,0,0,0,0,0,0,0,0]],"ops":["input","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","conv3x3-bn-relu","maxpool3x3","conv1x1-bn-relu","output"]}');

-- a failed insert changes nothing
CREATE TABLE v (arch archgraph);
INSERT INTO v VALUES ('{"matrix":[[0,1],[0,0]],"ops":["input","output"]}'), ('{"matrix":[[0,1],[1,0]],"ops":["input","output"]}');
SELECT count(*) FROM v;

-- ops are checked before pruning: an unknown op on a node that pruning removes is refused too
-- (NAS-Bench-101's _check_spec would accept it; a misspelt op is a mistake either way)
SELECT pg_temp.try('{"matrix":[[0,0,1],[0,0,0],[0,0,0]],"ops":["input","conv5x5","output"]}');
SELECT '{"matrix":[[0,0,1],[0,0,0],[0,0,0]],"ops":["input","maxpool3x3","output"]}'::archgraph AS pruned;
