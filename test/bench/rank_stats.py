"""Rank statistics the benchmark scripts share (NumPy, O(n^2): for a few thousand values at most;
the library's kendall_tau is the O(n log n) one)."""
import numpy as np


def tau_b(x, y):
    """Kendall's tau-b over all pairs (ties counted as scipy.stats.kendalltau does)."""
    x, y = np.asarray(x), np.asarray(y)
    iu = np.triu_indices(len(x), 1)
    dx = np.sign(x[:, None] - x[None, :])[iu]
    dy = np.sign(y[:, None] - y[None, :])[iu]
    return (dx * dy).sum() / np.sqrt((dx != 0).sum() * (dy != 0).sum())


def ctnas_ktau(pred, y):
    """CTNAS's KTau: over pairs i < j in the given order, +1 when (pred_i - pred_j >= 0) == (y_i >= y_j), else -1."""
    pred, y = np.asarray(pred), np.asarray(y)
    n = len(y)
    s = 0
    for i in range(n - 1):
        s += np.sum(np.where((pred[i] - pred[i + 1:] >= 0) == (y[i] >= y[i + 1:]), 1, -1))
    return s / (n * (n - 1) / 2)
