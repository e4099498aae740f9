/*
 * sgemm_rate: this machine's single-threaded OpenBLAS sgemm throughput on
 * the NAC's shapes (rows x 128 times 128 x 128), the limit the scoring
 * benchmark compares with.  Prints "rows GFLOP/s" per shape.
 *   OPENBLAS_NUM_THREADS=1 test/tools/sgemm_rate
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int
main(void)
{
	const int	w = 128;
	const int	rows[] = {7, 64, 1792};

	openblas_set_num_threads(1);
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
	{
		int			m = rows[r];
		float	   *a = malloc(sizeof(float) * m * w),
				   *b = malloc(sizeof(float) * w * w),
				   *c = malloc(sizeof(float) * m * w);
		double		flops = 2.0 * m * w * w,
					t0,
					t;
		long		reps = 0;

		for (int i = 0; i < m * w; i++)
			a[i] = (float) (i % 13) / 13.0f;
		for (int i = 0; i < w * w; i++)
			b[i] = (float) (i % 7) / 7.0f;
		/* about a second of work, after a warm-up */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, w, w, 1.0f, a, w, b, w, 0.0f, c, w);
		t0 = seconds();
		do
		{
			for (int i = 0; i < 100; i++)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, w, w, 1.0f, a, w, b, w, 0.0f, c, w);
			reps += 100;
			t = seconds() - t0;
		} while (t < 1.0);
		printf("%d %.1f\n", m, flops * reps / t / 1e9);
		free(a);
		free(b);
		free(c);
	}
	return 0;
}
