/*
 * unit_main.c
 *	  Runs every C unit test of the core; prints a summary; exit 1 on failure.
 */
#include "unit.h"

int			unit_checks = 0;
int			unit_failures = 0;

static const struct
{
	const char *name;
	void		(*fn) (void);
}			tests[] = {
	{"md5", test_md5},
	{"rng", test_rng},
	{"graph", test_graph},
	{"graph_text", test_graph_text},
	{"graph_random", test_graph_random},
	{"nb101", test_nb101},
	{"nac", test_nac},
	{"nac_memo", test_nac_memo},
	{"stats", test_stats},
	{"controller", test_controller},
	{"search", test_search},
	{"ctnas_search", test_ctnas_search},
	{"robust", test_robust},
	{"nb201", test_nb201},
	{"space", test_space},
	{"space_nb201", test_space_nb201},
	{"space_darts", test_space_darts},
	{"space_ofa", test_space_ofa},
	{"ask_tell", test_ask_tell},
	{"compat_0_1_0", test_compat_0_1_0},
};

int
main(int argc, char **argv)
{
	int			ntests = (int) (sizeof(tests) / sizeof(tests[0]));
	int			failed_tests = 0;

	for (int i = 0; i < ntests; i++)
	{
		int			before = unit_failures;

		if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
			continue;
		tests[i].fn();
		printf("%-14s %s\n", tests[i].name, unit_failures == before ? "ok" : "FAILED");
		failed_tests += unit_failures != before;
	}
	printf("unit tests: %d checks, %d failed, %d of %d test groups failed\n",
		   unit_checks, unit_failures, failed_tests, ntests);
	return unit_failures == 0 && unit_checks > 0 ? 0 : 1;
}
