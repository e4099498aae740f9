"""Precompute per-cell DAG structure for all 423,624 cells -> struct.npz:
reach[i,j]=1 iff path i->j (len>=1); spd[i,j] = shortest path length i->j (0 on diagonal, 99 if none)."""
import numpy as np
D = np.load('nb101.npz'); A = D['adj'].astype(np.int32); N = len(A)
spd = np.full(A.shape, 99, np.int8); idx = np.arange(7); spd[:, idx, idx] = 0
P = A.copy(); spd[(P > 0) & (spd == 99)] = 1
for k in range(2, 7):
    P = (np.einsum('nij,njk->nik', P, A) > 0).astype(np.int32)
    spd[(P > 0) & (spd == 99)] = k
reach = ((spd > 0) & (spd < 99)).astype(np.uint8)
np.savez_compressed('struct.npz', reach=reach, spd=spd)
print(spd[0]); print(reach[0])
