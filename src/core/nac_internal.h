/*
 * nac_internal.h
 *	  What the NAC's networks share inside the core: the chunked product,
 *	  and the MLP's part of a batch (nac_mlp.c), which nac_model.c's
 *	  ct_nac_* functions dispatch to for CT_NAC_NETWORK_MLP.
 */
#ifndef CTNAS_NAC_INTERNAL_H
#define CTNAS_NAC_INTERNAL_H

#include "ctnas_nac.h"

/*
 * C (M x N) = op(A) op(B) + beta C, row-major, in tiles of C with
 * interrupt (if not NULL) between them when larger than a chunk (see
 * nac_model.c): every element summed in the order of one call.
 */
extern void ct_nac_sgemm(ct_interrupt_fn interrupt, void *arg, bool trans_a, int M, int N, int K,
						 const float *A, int lda, bool trans_b, const float *B, int ldb,
						 float beta, float *C, int ldc);

/*
 * Copies of a function for machines with AVX2 and with AVX-512, chosen when
 * the library loads: element-wise loops run wider.  The arithmetic is the
 * same in every copy (IEEE adds and multiplies in the same order, no fused
 * multiply-add: the build has -ffp-contract=off), so are the bits
 * (make unittest runs nac_memo and compat_0_1_0 again in a build without
 * them, -DCT_NO_SIMD_CLONES).
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(CT_NO_SIMD_CLONES)
#define CT_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CT_SIMD_CLONES
#endif

/* Cells per chunk of element-wise work between interrupt checks. */
#define CT_NAC_CHUNK_CELLS 4096

typedef struct ct_nac_mlp_batch ct_nac_mlp_batch;

extern size_t ct_nac_mlp_nparams(const ct_nac_shape *s);
extern void ct_nac_mlp_layout(ct_nac *m);
extern void ct_nac_mlp_init(ct_nac *m, uint64_t seed);
extern ct_nac_mlp_batch *ct_nac_mlp_batch_create(const ct_nac_shape *shape);
extern void ct_nac_mlp_batch_destroy(ct_nac_mlp_batch *mb);
extern void ct_nac_mlp_batch_set_interrupt(ct_nac_mlp_batch *mb, ct_interrupt_fn interrupt, void *arg);
extern void ct_nac_mlp_batch_reserve(ct_nac_mlp_batch *mb, int ncells);
extern size_t ct_nac_mlp_batch_memory(const ct_nac_shape *shape, size_t ncells);
extern void ct_nac_mlp_forward(const ct_nac *m, ct_nac_mlp_batch *mb, const ct_arch *cells, int ncells, float *feat);
extern void ct_nac_mlp_backward(const ct_nac *m, ct_nac_mlp_batch *mb, const float *dfeat, float *grad);

#endif
