#!/usr/bin/env python3
"""A synthetic unbalanced SDM panel for timing `spillsim estimate sdm` on gaps (issue 24).

N cities uniform on the unit square, W = symmetrised kNN(6) contiguity (edge list), two
regressors, y_t = (I − ρW_t)⁻¹(X_tβ + W_tX_tθ + μ + α_t + ε_t) on the cities kept in year t
(MCAR share `--missing`), W_t = W restricted and row-standardised. Not a fixture; numpy/scipy only.

    python3 bench/make_unbalanced_panel.py --n 2000 --t 15 --missing 0.1 --out /tmp/ub
writes /tmp/ub_panel.csv and /tmp/ub_W.csv.
"""
import argparse

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl
from scipy.spatial import cKDTree

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=2000)
ap.add_argument("--t", type=int, default=15)
ap.add_argument("--missing", type=float, default=0.1)
ap.add_argument("--seed", type=int, default=24)
ap.add_argument("--out", default="/tmp/ub")
a = ap.parse_args()
rng = np.random.default_rng(a.seed)
pts = rng.random((a.n, 2))
_, nb = cKDTree(pts).query(pts, k=7)
rows = np.repeat(np.arange(a.n), 6)
cols = nb[:, 1:].ravel()
c = sp.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(a.n, a.n)).tocsr()
c = ((c + c.T) > 0).astype(float).tocsr()
with open(a.out + "_W.csv", "w") as fh:
    fh.write("from,to,weight\n")
    cc = c.tocoo()
    for i, j in zip(cc.row, cc.col):
        fh.write(f"c{i},c{j},1\n")
mu = rng.normal(size=a.n)
keep = rng.random((a.t, a.n)) >= a.missing
with open(a.out + "_panel.csv", "w") as fh:
    fh.write("city,year,y,x1,x2\n")
    for t in range(a.t):
        s = np.flatnonzero(keep[t])
        wt = c[s][:, s]
        rs = np.asarray(wt.sum(axis=1)).ravel()
        wt = sp.diags(np.where(rs > 0, 1 / np.maximum(rs, 1e-300), 0)) @ wt
        x = rng.normal(size=(s.size, 2)) + 0.3 * mu[s, None]
        rhs = x @ [1.0, -0.5] + wt @ x @ [0.3, 0.2] + mu[s] + rng.normal() + rng.normal(size=s.size)
        y = spl.spsolve((sp.identity(s.size) - 0.4 * wt).tocsc(), rhs)
        for k, i in enumerate(s):
            fh.write(f"c{i},{2000 + t},{y[k]:.10g},{x[k, 0]:.10g},{x[k, 1]:.10g}\n")
print(f"{keep.sum()} of {a.n * a.t} city-years kept")
