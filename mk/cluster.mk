# Cluster targets: package the job for spark-submit, submit it, deploy the Oozie app, run a landed day.
# See README "Running on Cloudera". Every variable below can be set on the command line; `make help`
# lists each with what it does.

## DIST  where package builds and submit reads (default dist)
DIST ?= dist
## JOB  submit: pipeline (default), ingest, stage, enrich, model, check or views
JOB ?= pipeline
## JOB_ARGS  submit: the job's options, as tweets-etl run takes them, e.g. '--input hdfs:///...'
JOB_ARGS ?=
## SCRIPT  submit: this entry point instead of DIST/jobs/JOB.py
SCRIPT ?=
## DRY_RUN  submit: 1 prints the spark-submit command and runs nothing
DRY_RUN ?=
## PACKAGE_PYTHON  package: the nodes' Python, to build the executors' environment with
PACKAGE_PYTHON ?= $(PYTHON)
## PYTHON_PREFIX  package: where the nodes have that Python, e.g. /usr
PYTHON_PREFIX ?=
## FORCE  package: 1 rebuilds the executors' environment even when it is up to date
FORCE ?=
## DEPLOY_MODE  submit: client or cluster, over the config's
DEPLOY_MODE ?=
## QUEUE  submit: the YARN queue, over the config's
QUEUE ?=
## PRINCIPAL  submit: the Kerberos principal, over the config's
PRINCIPAL ?=
## KEYTAB  submit: the Kerberos keytab, over the config's
KEYTAB ?=
## HDFS_CMD  daily, oozie-deploy: Hadoop's FsShell (default 'hdfs dfs'; e.g. 'sudo -u etl hdfs dfs')
HDFS_CMD ?= hdfs dfs
## OOZIE_APP_DIR  oozie-deploy: the app's HDFS folder (default /user/$USER/apps/tweets-etl)
OOZIE_APP_DIR ?= /user/$(USER)/apps/tweets-etl
## LANDING_DIR  daily: the edge node's local landing folder (default /data/landing/tweets)
LANDING_DIR ?= /data/landing/tweets
## HDFS_RAW_DIR  daily: the HDFS raw folder that gets landed_date=DAY (default /data/tweets_etl/raw)
HDFS_RAW_DIR ?= /data/tweets_etl/raw
## DAY  daily: the day to land and run, YYYY-MM-DD (default today, UTC)
DAY ?= $(shell date -u +%F)

# The ops tools need pyyaml and venv-pack from the dev venv. A fresh clone gets it first (order-only:
# an existing venv is never reinstalled behind a running job's back).
OPS_PYTHON := $(PY)
OPS := PYTHONPATH=$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH} $(OPS_PYTHON) -m tweets_etl.ops
SUBMIT_FLAGS = --env $(ENV) --job $(JOB) --dist $(DIST) $(if $(SCRIPT),--script $(SCRIPT)) \
	$(if $(DEPLOY_MODE),--deploy-mode $(DEPLOY_MODE)) $(if $(QUEUE),--queue $(QUEUE)) \
	$(if $(PRINCIPAL),--principal $(PRINCIPAL)) $(if $(KEYTAB),--keytab $(KEYTAB))

.PHONY: package
package: | $(STAMP) ## Build dist/: tweets_etl.zip, jobs/, executor-env.tar.gz (PACKAGE_PYTHON=the nodes' Python)
	$(OPS).package --dist $(DIST) --python $(PACKAGE_PYTHON) \
		$(if $(PYTHON_PREFIX),--python-prefix $(PYTHON_PREFIX)) $(if $(filter-out 0,$(FORCE)),--force)

.PHONY: submit
submit: | $(STAMP) ## spark-submit JOB=pipeline|ingest|stage|enrich|model|check|views with ENV's cluster config (DRY_RUN=1)
	@$(if $(filter-out 0,$(DRY_RUN)),,$(OPS).package --dist $(DIST) --code-only)
	@$(OPS).submit $(SUBMIT_FLAGS) $(if $(filter-out 0,$(DRY_RUN)),--dry-run) -- $(JOB_ARGS)

.PHONY: daily
daily: ## Land new files into HDFS_RAW_DIR/landed_date=DAY (only when DAY is today, UTC), then submit the pipeline on that day
	bash scripts/land_to_hdfs.sh $(LANDING_DIR) $(HDFS_RAW_DIR)/landed_date=$(DAY)
	$(MAKE) --no-print-directory submit ENV=$(ENV) JOB=pipeline \
		JOB_ARGS="--input hdfs://$(HDFS_RAW_DIR)/landed_date=$(DAY) $(JOB_ARGS)"

.PHONY: oozie-deploy
oozie-deploy: | $(STAMP) ## After make package: put the Oozie app (workflow, coordinator, dist/, conf/) in HDFS at OOZIE_APP_DIR
	$(OPS).oozie --env $(ENV) --dist $(DIST) --app-dir $(OOZIE_APP_DIR) --out $(DIST)/oozie
	$(HDFS_CMD) -mkdir -p $(OOZIE_APP_DIR)
	$(HDFS_CMD) -put -f $(DIST)/oozie/app/* $(OOZIE_APP_DIR)/
	@echo "Oozie app in $(OOZIE_APP_DIR). Start it with:"
	@echo "  oozie job -oozie \$$OOZIE_URL -config $(DIST)/oozie/job.properties -run"

.PHONY: cluster-test
cluster-test: $(STAMP) ## Prove make package + make submit on a Spark standalone cluster on 127.0.0.1
	@bash scripts/pytest.sh $(PY) tests/integration/cluster -m cluster $(PYTEST_ARGS)
