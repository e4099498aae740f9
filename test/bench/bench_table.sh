#!/usr/bin/env bash
# The benchmark table (make bench): every figure measured in this one run, on
# one thread each, side by side with what it is compared with.  Needs
# ../shared/data/nb101 and a server (PG* variables; make bench makes one with
# pg_virtualenv), test/tools/sgemm_rate, /usr/bin/python3 with torch, and
# about 12 minutes of an otherwise idle machine.
#   1. NAC training, recipe "paper", 423 cells, 1000 epochs: ctnas (SQL) against
#      the original CTNAS code (test/bench/ctnas_original) and our PyTorch port.
#   2. nac_score over all 423,624 cells: us per cell against the limit (the
#      matmul FLOPs of one embedding at this machine's sgemm rate) and against
#      archgraph_nodes (PostgreSQL's own cost per row).
#   3. kendall_tau against corr() on the same 423,624 rows.
#   4. One 423-query CTNAS search, both recipes, against the original's search.
#   5. Peak memory (resident) of each: the backend's VmHWM, the python process's maximum RSS.
set -euo pipefail
cd "$(dirname "$0")/../.."
csv=${NB101_CSV:-../shared/data/nb101/nb101_all_run0test.csv.gz}
[ -r "$csv" ] || { echo "no $csv: the benchmark table needs ../shared/data/nb101" >&2; exit 1; }
for t in sgemm_rate nac_tool; do
	[ -x test/tools/$t ] || { echo "build test/tools/$t first (make test/tools/$t)" >&2; exit 1; }
done
export OPENBLAS_NUM_THREADS=1
export PGOPTIONS="-c client_min_messages=warning -c max_parallel_workers_per_gather=0"
seed=${SEED:-2020}
repeat=${REPEAT:-3}
out=$(mktemp -d); chmod 755 "$out"; trap 'rm -rf "$out"' EXIT
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
median() { tr ' ' '\n' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

# one SQL step in a fresh backend: "seconds peak_kB" (the backend's VmHWM at the end)
sql_step() {
	psql -At <<SQL | tail -n1
\\o /dev/null
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
$1;
\\o
SELECT round(extract(epoch FROM clock_timestamp() - (SELECT t FROM t0))::numeric, 3) || ' ' ||
       (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\\s+(\\d+)'))[1];
SQL
}
py_rss() { awk '/Maximum resident set size/ { print $NF }' "$1"; }

echo "loading NAS-Bench-101 ..." >&2
psql -c "DROP TABLE IF EXISTS nb101, nac_split; CREATE EXTENSION IF NOT EXISTS ctnas"
gzip -dc "$csv" | psql -f data/load_nb101.sql >/dev/null

# ---- 1. training ------------------------------------------------------------------------------
echo "1. training: original CTNAS code, our port, ctnas ..." >&2
/usr/bin/time -v /usr/bin/python3 test/bench/ctnas_original/run_original.py nac --seed "$seed" --epochs 1000 --cells 423 \
	> "$out/orig_nac.txt" 2> "$out/orig_nac.time"
orig_train=$(grep -o 'training loop [0-9.]* s' "$out/orig_nac.txt" | grep -o '[0-9.]*' | head -1)
orig_ktau=$(grep -o 'KTau [0-9.-]*' "$out/orig_nac.txt" | head -1 | cut -d' ' -f2)
/usr/bin/time -v /usr/bin/python3 test/bench/reference_nac_train.py --seed "$seed" --epochs 1000 --write-csv "$out/split.csv" \
	> "$out/port.txt" 2> "$out/port.time"
port_train=$(grep -o '[0-9.]* s' "$out/port.txt" | head -1 | cut -d' ' -f1)
chmod 644 "$out/split.csv"
psql -c "CREATE TABLE nac_split (hash text, arch ctnas.archgraph, num_vertices int, acc float8, params bigint, position int)" \
	-c "COPY nac_split FROM '$out/split.csv' (FORMAT csv, HEADER)"
train_q="SELECT ctnas.nac_train(arch, acc, '{\"recipe\": \"paper\", \"seed\": $seed, \"epochs\": 1000}') FROM nac_split WHERE position < 423"
s=(); for ((i = 0; i < repeat; i++)); do s+=("$(sql_step "$train_q")"); done
ct_train=$(printf '%s\n' "${s[@]}" | cut -d' ' -f1 | tr '\n' ' ' | median)
ct_train_kb=$(printf '%s\n' "${s[@]}" | cut -d' ' -f2 | sort -n | tail -1)
# the same training in the core alone counts its products' FLOPs: the floor of training at the sgemm rate
train_gflop=$(test/tools/nac_tool train "$out/split.csv" 423 1000 "$seed" | grep -o '[0-9.]* GFLOP in sgemm' | cut -d' ' -f1)

# ---- 2. scoring -------------------------------------------------------------------------------
echo "2. scoring all cells ..." >&2
psql -c "DELETE FROM ctnas.models WHERE name IN ('bench_paper', 'bench_default')" \
	-c "INSERT INTO ctnas.models (name, weights) SELECT 'bench_paper', ($train_q)" \
	-c "INSERT INTO ctnas.models (name, weights) SELECT 'bench_default', ctnas.nac_train(arch, acc, '{\"seed\": $seed}') FROM nac_split WHERE position < 423"
read -r rate7 rate1792 < <(test/tools/sgemm_rate | awk '$1 == 7 { a = $2 } $1 == 1792 { b = $2 } END { print a, b }')
# scored as users do (node states shared between cells, ctnas.score_cache_size's default), and each
# cell alone (ctnas.score_cache_size = 0: the same scores, to the bit, with nothing kept between cells)
score_q() { echo "SET ctnas.score_cache_size = $2; SELECT ctnas.nac_score(arch, '$1') FROM nb101 LIMIT 1; SELECT count(*) FROM nb101 WHERE ctnas.nac_score(arch, '$1') > -1e30"; }
score_p=(); score_d=(); score_p0=(); score_d0=(); nodes=()
for ((i = 0; i < repeat; i++)); do
	score_p+=("$(sql_step "$(score_q bench_paper DEFAULT)")")
	score_d+=("$(sql_step "$(score_q bench_default DEFAULT)")")
	score_p0+=("$(sql_step "$(score_q bench_paper 0)")")
	score_d0+=("$(sql_step "$(score_q bench_default 0)")")
	nodes+=("$(sql_step "SELECT count(*) FROM nb101 WHERE ctnas.archgraph_nodes(arch) > 0")")
done
med() { printf '%s\n' "$@" | cut -d' ' -f1 | tr '\n' ' ' | median; }
peak() { printf '%s\n' "$@" | cut -d' ' -f2 | sort -n | tail -1; }
sp=$(med "${score_p[@]}"); sd=$(med "${score_d[@]}"); sp0=$(med "${score_p0[@]}"); sd0=$(med "${score_d0[@]}"); sn=$(med "${nodes[@]}")
sp_kb=$(peak "${score_p[@]}"); sd_kb=$(peak "${score_d[@]}"); sp0_kb=$(peak "${score_p0[@]}"); sd0_kb=$(peak "${score_d0[@]}"); sn_kb=$(peak "${nodes[@]}")
# the reference network's matmuls for one embedding: 4 layers x 7 slots x 2 x 128 x 128 (per direction)
flops=917504

# ---- 3. kendall_tau against corr() ------------------------------------------------------------
echo "3. kendall_tau and corr ..." >&2
kt=(); co=()
for ((i = 0; i < repeat; i++)); do
	kt+=("$(sql_step "SELECT ctnas.kendall_tau(trainable_parameters, test_acc_run0) FROM nb101")")
	co+=("$(sql_step "SELECT corr(trainable_parameters, test_acc_run0) FROM nb101")")
done
ktm=$(printf '%s\n' "${kt[@]}" | cut -d' ' -f1 | tr '\n' ' ' | median)
com=$(printf '%s\n' "${co[@]}" | cut -d' ' -f1 | tr '\n' ' ' | median)
kt_kb=$(printf '%s\n' "${kt[@]}" | cut -d' ' -f2 | sort -n | tail -1)
co_kb=$(printf '%s\n' "${co[@]}" | cut -d' ' -f2 | sort -n | tail -1)

# ---- 4. one 423-query search ------------------------------------------------------------------
echo "4. searches (the original's takes about 5 minutes) ..." >&2
/usr/bin/time -v /usr/bin/python3 test/bench/ctnas_original/run_original.py search --seed "$seed" --budget 423 \
	> "$out/orig_search.txt" 2> "$out/orig_search.time"
orig_search=$(grep -o 'wall [0-9.]* s' "$out/orig_search.txt" | grep -o '[0-9.]*' | head -1)
orig_acc=$(grep -o 'test_acc_run0 [0-9.]*' "$out/orig_search.txt" | head -1 | cut -d' ' -f2)
search_p=$(sql_step "SELECT * FROM ctnas.ctnas_search('nb101', 423, '{\"recipe\": \"paper\", \"seed\": $seed, \"acc_column\": \"test_acc_run0\"}')")
search_d=$(sql_step "SELECT * FROM ctnas.ctnas_search('nb101', 423, '{\"seed\": $seed, \"acc_column\": \"test_acc_run0\"}')")

# ---- the table --------------------------------------------------------------------------------
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
echo
echo "| what (one thread each; $(nproc) cores; median of $repeat runs where repeated) | seconds | compared with | ratio | peak RSS MB |"
echo "| --- | ---: | --- | ---: | ---: |"
echo "| 1. original CTNAS code (commit $(cut -c1-7 test/bench/ctnas_original/upstream/COMMIT)), NAC training, recipe \"paper\", 423 cells, 1000 epochs (KTau $orig_ktau) | $orig_train | | | $(mb "$(py_rss "$out/orig_nac.time")") |"
echo "| 1. our PyTorch port of it (test/torch/nac_torch.py) | $port_train | | | $(mb "$(py_rss "$out/port.time")") |"
echo "| 1. ctnas.nac_train, the same recipe and cells | $ct_train | original code | $(ratio "$orig_train" "$ct_train")x faster | $(mb "$ct_train_kb") |"
us() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1e6 / 423624 }'; }
limit() { awk -v f=$flops -v r="$rate1792" -v k="$1" 'BEGIN { printf "%.1f", k * f / r / 1e3 }'; }
echo "| 2. nac_score of all 423,624 cells, paper model | $sp ($(us "$sp") us/cell) | each cell alone (ctnas.score_cache_size = 0): $sp0 s; the dense limit: $flops FLOPs per embedding at $rate1792 GFLOP/s = $(limit 1) us/cell | $(ratio "$sp0" "$sp")x faster; $(awk -v s="$sp" -v l="$(limit 1)" 'BEGIN { printf "%.2f", s * 1e6 / 423624 / l }')x the dense limit | $(mb "$sp_kb") ($(mb "$sp0_kb")) |"
echo "| 2. nac_score of all cells, default model (two directions) | $sd ($(us "$sd") us/cell) | each cell alone: $sd0 s; the dense limit: $(limit 2) us/cell | $(ratio "$sd0" "$sd")x faster; $(awk -v s="$sd" -v l="$(limit 2)" 'BEGIN { printf "%.2f", s * 1e6 / 423624 / l }')x the dense limit | $(mb "$sd_kb") ($(mb "$sd0_kb")) |"
echo "| 2. archgraph_nodes of all cells (PostgreSQL's own cost per row) | $sn ($(awk -v s="$sn" 'BEGIN { printf "%.2f", s * 1e6 / 423624 }') us/row) | | | $(mb "$sn_kb") |"
echo "| 3. kendall_tau(trainable_parameters, test_acc_run0), 423,624 rows | $ktm | corr() on the same rows: $com s | $(ratio "$ktm" "$com")x corr() | $(mb "$kt_kb") / $(mb "$co_kb") |"
echo "| 4. original CTNAS search (train.py, 423 queries; final cell $orig_acc) | $orig_search | | | $(mb "$(py_rss "$out/orig_search.time")") |"
echo "| 4. ctnas_search, recipe \"paper\", 423 queries | $(echo "$search_p" | cut -d' ' -f1) | original search | $(ratio "$orig_search" "$(echo "$search_p" | cut -d' ' -f1)")x faster | $(mb "$(echo "$search_p" | cut -d' ' -f2)") |"
echo "| 4. ctnas_search, recipe \"default\", 423 queries | $(echo "$search_d" | cut -d' ' -f1) | original search | $(ratio "$orig_search" "$(echo "$search_d" | cut -d' ' -f1)")x faster | $(mb "$(echo "$search_d" | cut -d' ' -f2)") |"
echo
echo "sgemm (OpenBLAS, one thread) on 7 x 128 . 128 x 128: $rate7 GFLOP/s; on 1792 x 128 . 128 x 128: $rate1792 GFLOP/s."
floor=$(awk -v g="$train_gflop" -v r="$rate1792" 'BEGIN { printf "%.2f", g / r }')
echo "Training's products (1.): $train_gflop GFLOP, $floor s alone at $rate1792 GFLOP/s; with everything else free that is" \
	"$(ratio "$orig_train" "$floor")x the original code, the most this arithmetic allows here."
echo "Peak RSS of a backend includes the shared buffers it touched (about the table's size for a scan of nb101)."
