# Benchmarks: measure, never assert (tests assert behaviour).
## BENCH_TWEETS  tweets the benchmark generates (default 1000000)
BENCH_TWEETS ?= 1000000
## BENCH_REPEAT  pipeline repetitions for the headline median (default 3)
BENCH_REPEAT ?= 3

.PHONY: bench
bench: $(STAMP) ## Pipeline vs Spark's floor at BENCH_TWEETS (default 1M) on local[2]; writes var/bench/results.json
	$(PY) -m tweets_etl.bench --tweets $(BENCH_TWEETS) --repeat $(BENCH_REPEAT) --var-dir $(VAR_DIR)
