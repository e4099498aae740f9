# ctnas: PGXS build, plus the two commands of the README (make demo, make test).

EXTENSION = ctnas
EXTVERSION = 0.2.0

MODULE_big = ctnas
CORE_OBJS = src/core/error.o src/core/md5.o src/core/rng.o src/core/graph.o \
	src/core/graph_text.o src/core/graph_random.o src/core/nb101_hash.o \
	src/core/nb101_json.o src/core/alloc.o src/core/crc32.o src/core/nac_model.o \
	src/core/adam.o src/core/nac_train.o src/core/nac_blob.o src/core/nac_options.o src/core/nac_embed_cache.o src/core/nac_node_memo.o \
	src/core/kendall.o src/core/torch_randperm.o src/core/controller.o \
	src/core/oracle.o src/core/baseline_search.o src/core/ctnas_search.o src/core/search_paper.o \
	src/core/search_rounds.o src/core/search_space_rank.o src/core/text.o src/core/search_options.o src/core/search_checkpoint.o src/core/serial.o \
	src/core/json.o src/core/space.o src/core/space_nb101.o src/core/space_nb201.o \
	src/core/nb201_cell.o src/core/nb201_canonical.o src/core/nb201_table.o \
	src/core/darts_genotype.o src/core/space_darts.o src/core/ofa_net.o src/core/space_ofa.o src/core/nac_mlp.o
PG_OBJS = src/pg/ctnas.o src/pg/pg_util.o src/pg/archgraph.o src/pg/archgraph_funcs.o \
	src/pg/nb101_load.o src/pg/nac_train_agg.o src/pg/models.o src/pg/nac_funcs.o src/pg/ktau.o src/pg/agg_state.o src/pg/citus.o \
	src/pg/search_harness.o src/pg/search.o src/pg/search_job_state.o src/pg/search_job_keys.o \
	src/pg/search_job_api.o src/pg/search_job_worker.o src/pg/search_launcher.o src/pg/search_trials.o src/pg/ext_schema.o
OBJS = $(CORE_OBJS) $(PG_OBJS)

# the install script of each version, and every upgrade script ctnas--A--B.sql
DATA = $(wildcard sql/install/$(EXTENSION)--*.sql)

REGRESS = archgraph_io archgraph_validation archgraph_canonical archgraph_opclass \
	archgraph_funcs nb101_data nac ktau search search_jobs trials external_search hardening robust nb201 darts ofa_mbv3 compat_0_1_0
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)
# concurrency (specs/*.spec): claims and the report/worker race of trials
ISOLATION = trials_race
ISOLATION_OPTS = --load-extension=$(EXTENSION)


PG_CPPFLAGS = -I$(srcdir)/include
# -Wextra's complaints about PostgreSQL's own macros are switched off, nothing else
WARNINGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
# -O3 for the element loops of the NAC (vectorised); no fast-math and no fused multiply-add (nac_node_memo.c has
# AVX2 and AVX-512 copies of its product), so results stay exact IEEE and the same on every x86-64; no errno
# from sqrtf (nothing reads it), so Adam's loop vectorises
OPT_FLAGS = -O3 -ffp-contract=off -fno-math-errno
PG_CFLAGS = $(WARNINGS) $(OPT_FLAGS) -std=gnu11
SHLIB_LINK = -lopenblas -lcjson -lm

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
# the bitcode for JIT inlining computes as the library does (clang would fuse multiply-adds)
BITCODE_CFLAGS += -ffp-contract=off -fno-math-errno

# TAP tests (test/t); not TAP_TESTS = 1, which would make installcheck run them too
PROVE_TESTS ?= test/t/*.pl
.PHONY: prove_installcheck
prove_installcheck:
	rm -rf $(CURDIR)/tmp_check
	cd $(srcdir) && TESTDIR='$(CURDIR)' PATH="$(bindir):$$PATH" PGPORT='6$(DEF_PGPORT)' \
		PG_REGRESS='$(top_builddir)/src/test/regress/pg_regress' \
		$(PROVE) $(PG_PROVE_FLAGS) $(PROVE_FLAGS) $(PROVE_TESTS)

# PGXS tracks no header dependencies: rebuild every object when a header changes
$(OBJS): $(wildcard include/*.h src/core/*.h src/pg/*.h)

# ---- pure C unit tests: no server --------------------------------------
UNIT_SRCS = $(wildcard test/unit/*.c) test/common/sample_csv.c test/common/darts_csv.c test/common/ofa_csv.c
CORE_SRCS = $(CORE_OBJS:.o=.c)
test/unit/run_unit_tests: $(UNIT_SRCS) $(CORE_SRCS) $(wildcard include/*.h src/core/*.h test/unit/*.h test/common/*.h)
	$(CC) $(OPT_FLAGS) -g $(WARNINGS) -std=gnu11 -Iinclude -Itest/unit -Itest/common -o $@ $(UNIT_SRCS) $(CORE_SRCS) -lopenblas -lcjson -lm

# the same tests built without the AVX2/AVX-512 copies of the NAC's loops (CT_SIMD_CLONES): their results must be the same bits
test/unit/run_unit_tests_plain: $(UNIT_SRCS) $(CORE_SRCS) $(wildcard include/*.h src/core/*.h test/unit/*.h test/common/*.h)
	$(CC) $(OPT_FLAGS) -DCT_NO_SIMD_CLONES -g $(WARNINGS) -std=gnu11 -Iinclude -Itest/unit -Itest/common -o $@ $(UNIT_SRCS) $(CORE_SRCS) -lopenblas -lcjson -lm

test/tools/nb101_check: test/tools/nb101_check.c $(CORE_SRCS) $(wildcard include/*.h src/core/*.h)
	$(CC) -O2 -ffp-contract=off -fno-math-errno $(WARNINGS) -std=gnu11 -Iinclude -o $@ $< $(CORE_SRCS) -lopenblas -lcjson -lm

# libFuzzer + ASan/UBSan over the JSON, binary and nas_bench.json decoders (needs clang)
FUZZ_SECONDS ?= 60
test/fuzz/fuzz_archgraph: test/fuzz/fuzz_archgraph.c $(CORE_SRCS) $(wildcard include/*.h src/core/*.h)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude -o $@ $< $(CORE_SRCS) -lopenblas -lcjson -lm

fuzz: test/fuzz/fuzz_archgraph
	mkdir -p test/fuzz/work
	test/fuzz/fuzz_archgraph -max_total_time=$(FUZZ_SECONDS) -max_len=4096 test/fuzz/work test/fuzz/corpus

.PHONY: deps unittest regress tap readme test demo nb101-check fuzz bench

deps:
	@bash .ci/deps

# C unit tests, then our forward, backward and Adam against an independent PyTorch NAC
unittest: test/unit/run_unit_tests test/unit/run_unit_tests_plain test/tools/nac_tool
	cd $(srcdir) && test/unit/run_unit_tests
	cd $(srcdir) && test/unit/run_unit_tests_plain nac_memo && test/unit/run_unit_tests_plain compat_0_1_0
	cd $(srcdir) && test/tools/nac_tool dump test/unit/nac_dump.json && \
		/usr/bin/python3 test/torch/crosscheck.py test/unit/nac_dump.json
	cd $(srcdir) && test/tools/nac_tool dump-default test/unit/nac_dump_default.json && \
		/usr/bin/python3 test/torch/crosscheck.py test/unit/nac_dump_default.json && \
		/usr/bin/python3 test/torch/crosscheck.py --negative test/unit/nac_dump_default.json
	cd $(srcdir) && test/tools/nac_tool dump-darts test/unit/nac_dump_darts.json && \
		/usr/bin/python3 test/torch/crosscheck.py test/unit/nac_dump_darts.json
	cd $(srcdir) && test/tools/nac_tool dump-ofa test/unit/nac_dump_ofa.json && \
		/usr/bin/python3 test/torch/crosscheck.py test/unit/nac_dump_ofa.json && \
		/usr/bin/python3 test/torch/crosscheck.py --negative test/unit/nac_dump_ofa.json

# pg_regress in a throwaway cluster; works as root
regress:
	bash test/run_regress.sh

# TAP tests must not run as root (initdb refuses): run them as postgres on a copy it owns
tap:
	bash test/run_tap.sh

# README.md's sql and sh blocks in order, as a plain role, in a throwaway cluster
readme:
	bash test/run_readme.sh

test: deps
	$(MAKE) all
	$(MAKE) install
	bash test/citus/ensure_citus.sh
	bash test/run_all.sh

demo: deps
	$(MAKE) all
	$(MAKE) install
	pg_virtualenv -v 15 bash test/demo/demo.sh

test/tools/sgemm_rate: test/tools/sgemm_rate.c
	$(CC) $(OPT_FLAGS) $(WARNINGS) -std=gnu11 -o $@ $< -lopenblas

# the benchmark table (issue 18): needs ../shared and a few free minutes on an idle machine
bench: deps
	$(MAKE) all
	$(MAKE) install
	$(MAKE) test/tools/sgemm_rate test/tools/nac_tool
	pg_virtualenv -v 15 bash test/bench/bench_table.sh

test/tools/nac_tool: test/tools/nac_tool.c test/common/sample_csv.c test/common/darts_csv.c $(CORE_SRCS) $(wildcard include/*.h src/core/*.h test/common/*.h)
	$(CC) $(OPT_FLAGS) -g $(WARNINGS) -std=gnu11 -Iinclude -Itest/common -o $@ $< test/common/sample_csv.c test/common/darts_csv.c $(CORE_SRCS) -lopenblas -lcjson -lm

test/tools/memo_bench: test/tools/memo_bench.c test/common/nb101_table.c $(CORE_SRCS) $(wildcard include/*.h src/core/*.h)
	$(CC) $(OPT_FLAGS) -g $(WARNINGS) -std=gnu11 -Iinclude -Itest/common -o $@ $< test/common/nb101_table.c $(CORE_SRCS) -lopenblas -lcjson -lm

test/tools/ktau_bench: test/tools/ktau_bench.c test/common/nb101_table.c $(CORE_SRCS) $(wildcard include/*.h src/core/*.h)
	$(CC) $(OPT_FLAGS) -g $(WARNINGS) -std=gnu11 -Iinclude -Itest/common -o $@ $< test/common/nb101_table.c $(CORE_SRCS) -lopenblas -lcjson -lm

test/tools/search_bench: test/tools/search_bench.c test/common/nb101_table.c $(CORE_SRCS) $(wildcard include/*.h src/core/*.h)
	$(CC) $(OPT_FLAGS) -g $(WARNINGS) -std=gnu11 -Iinclude -Itest/common -o $@ $< test/common/nb101_table.c $(CORE_SRCS) -lopenblas -lcjson -lm

test/tools/nb201_bench: test/tools/nb201_bench.c test/common/nb201_csv.c test/common/bench_search.c $(CORE_SRCS) $(wildcard include/*.h src/core/*.h test/common/*.h)
	$(CC) $(OPT_FLAGS) -g $(WARNINGS) -std=gnu11 -Iinclude -Itest/common -o $@ $< test/common/nb201_csv.c test/common/bench_search.c $(CORE_SRCS) -lopenblas -lcjson -lm

test/tools/space_bench: test/tools/space_bench.c test/common/bench_search.c $(CORE_SRCS) $(wildcard include/*.h src/core/*.h test/common/*.h)
	$(CC) $(OPT_FLAGS) -g $(WARNINGS) -std=gnu11 -Iinclude -Itest/common -o $@ $< test/common/bench_search.c $(CORE_SRCS) -lopenblas -lcjson -lm

# all 423,624 NAS-Bench-101 rows: canonical form and module hash (needs ../shared)
nb101-check: test/tools/nb101_check
	gzip -dc $(NB101_CSV) | test/tools/nb101_check

NB101_CSV ?= ../shared/data/nb101/nb101_all_run0test.csv.gz
EXTRA_CLEAN = test/tools/sgemm_rate test/unit/nac_dump.json test/unit/nac_dump_darts.json test/unit/run_unit_tests test/tools/nb101_check test/tools/nac_tool test/tools/ktau_bench test/tools/search_bench test/tools/nb201_bench test/tools/space_bench test/fuzz/fuzz_archgraph test/tools/interrupt_gap

# the longest work between two interrupt checks in the worst documented cases (README, "Cancels and memory")
test/tools/interrupt_gap: test/tools/interrupt_gap.c test/common/sample_csv.c $(CORE_SRCS) $(wildcard include/*.h src/core/*.h)
	$(CC) $(OPT_FLAGS) -g $(WARNINGS) -std=gnu11 -Iinclude -Itest/common -o $@ $< test/common/sample_csv.c $(CORE_SRCS) -lopenblas -lcjson -lm
