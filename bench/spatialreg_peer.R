#!/usr/bin/env Rscript
# Peer timing for `spillsim bench sdm --r-peer`: R spatialreg's lagsarlm (spatial Durbin,
# type = "mixed") on one cross-section written by spillsim, with method = "Matrix" (sparse
# Cholesky log-determinant, via the Matrix package's CHOLMOD) and "Chebyshev".
# Debian: r-cran-spatialreg. Prints one JSON object: {"fits": [{method, ms, cpu_ms, rho}, ...]}
# (median wall and median process-CPU time per fit, user + system).
# Usage: Rscript bench/spatialreg_peer.R cs.csv w.csv reps
suppressPackageStartupMessages({ library(spdep); library(spatialreg) })
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
e <- read.csv(args[2])
reps <- as.integer(args[3])
n <- nrow(d)
# W is the row-standardised symmetrised kNN: the neighbour lists with style "W" rebuild it exactly.
nb <- lapply(split(e$to, factor(e$from, levels = seq_len(n))), function(v) sort(as.integer(v)))
names(nb) <- NULL
class(nb) <- "nb"
attr(nb, "region.id") <- as.character(seq_len(n))
lw <- nb2listw(nb, style = "W")
xs <- grep("^x", names(d), value = TRUE)
f <- as.formula(paste("y ~", paste(xs, collapse = " + ")))
fits <- list()
for (m in c("Matrix", "Chebyshev")) {
  times <- numeric(reps)
  cpu <- numeric(reps)
  for (r in seq_len(reps)) {
    t0 <- proc.time()
    fit <- lagsarlm(f, data = d, listw = lw, type = "mixed", method = m)
    t1 <- proc.time()
    times[r] <- t1[["elapsed"]] - t0[["elapsed"]]
    cpu[r] <- (t1[["user.self"]] + t1[["sys.self"]]) - (t0[["user.self"]] + t0[["sys.self"]])
  }
  fits[[length(fits) + 1]] <- sprintf('{"method": "%s", "ms": %.3f, "cpu_ms": %.3f, "rho": %.10f}', m, 1000 * median(times),
                                      1000 * median(cpu), fit$rho)
}
cat(sprintf('{"spatialreg": "%s", "fits": [%s]}\n', as.character(packageVersion("spatialreg")), paste(unlist(fits), collapse = ", ")))
