#!/usr/bin/env python3
"""Peer timing for `spillsim bench sdm`: PySAL spreg's Panel_FE_Lag on the same panel.

Reads the panel written by spillsim (long, time-major: rows t*N + i; columns y, x1..xk)
and the dense row-standardised W (first column id). Enters X and WX as regressors
(spreg's Panel_FE_Lag has no Durbin option), individual fixed effects, direct approach,
and times `reps` fits. Prints one JSON object: ms_per_fit (median), times_ms and cpu_ms (wall and
process CPU time of every fit), rho, betas.

Usage: python3 bench/spreg_peer.py --panel panel.csv --weights w.csv --reps 5
"""
import argparse
import json
import time

import numpy as np
import libpysal
import spreg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--panel", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    panel = np.genfromtxt(a.panel, delimiter=",", names=True)
    names = panel.dtype.names
    xcols = [c for c in names if c.startswith("x")]
    wd = np.genfromtxt(a.weights, delimiter=",", skip_header=1)[:, 1:]
    n = wd.shape[0]
    t = panel.shape[0] // n
    y = np.asarray(panel["y"], dtype=float).reshape(-1, 1)
    x = np.column_stack([panel[c] for c in xcols]).astype(float)
    wx = np.vstack([wd @ x[s * n:(s + 1) * n] for s in range(t)])
    xx = np.hstack([x, wx])
    w = libpysal.weights.full2W(wd)
    times = []
    cpu = []
    model = None
    for _ in range(a.reps):
        t0 = time.perf_counter()
        c0 = time.process_time()
        model = spreg.Panel_FE_Lag(y, xx, w)
        cpu.append(time.process_time() - c0)
        times.append(time.perf_counter() - t0)
    print(json.dumps({
        "ms_per_fit": 1000 * float(np.median(times)),
        "times_ms": [1000 * float(t) for t in times],
        "cpu_ms": [1000 * float(t) for t in cpu],
        "rho": float(model.rho),
        "betas": [float(b) for b in model.betas.ravel()],
        "spreg": spreg.__version__,
    }))


if __name__ == "__main__":
    main()
