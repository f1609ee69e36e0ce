#!/usr/bin/env python3
"""Writes the 10,000-city × 10-year panel used to time `estimate twfe --vce conley`
(docs/design-results.md, issue 23): cities uniform in lat [25, 49], lon [−124, −67] (the
contiguous US box), y = 0.5 x + N(0, 1). NumPy default_rng(7).

    python3 bench/conley_panel.py /tmp/big.csv
    /usr/bin/time -f "wall %e s, max RSS %M KB" .build/release/spillsim estimate twfe --data /tmp/big.csv \
        --id id --time year --y y --x x --vce conley --cutoff 300 --coords lat,lon --lag 2
"""
import sys

import numpy as np

rng = np.random.default_rng(7)
n, t = 10000, 10
lat = rng.uniform(25, 49, n)
lon = rng.uniform(-124, -67, n)
with open(sys.argv[1], "w") as f:
    f.write("id,year,lat,lon,y,x\n")
    for k in range(t):
        x = rng.normal(size=n)
        y = 0.5 * x + rng.normal(size=n)
        for i in range(n):
            f.write(f"c{i},{2000 + k},{lat[i]:.5f},{lon[i]:.5f},{y[i]:.6f},{x[i]:.6f}\n")
