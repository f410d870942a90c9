# Seeing the data: the HTML dashboard, the HiveServer2 endpoint for BI tools, the exploration notebook.
# See README "See it" and "BI tools". PORT and HOST default to serve.port / serve.host from the config.
## PORT  serve: the port (default serve.port: 10000)
PORT ?=
## HOST  serve: the address (default serve.host: 127.0.0.1)
HOST ?=
NOTEBOOK_DIR = $(VAR_DIR)/notebooks

.PHONY: report
report: $(STAMP) ## Build the dashboard from the warehouse: VAR_DIR/reports/dashboard.html (+ dashboard.json)
	$(CLI) report --env $(ENV)

.PHONY: serve
serve: $(STAMP) ## Serve the warehouse over HiveServer2 (Spark Thrift Server) on 127.0.0.1:10000 for BI tools; Ctrl-C stops
	$(CLI) serve --env $(ENV) $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

.PHONY: notebook
notebook: $(STAMP) ## Run notebooks/explore.ipynb on the sample; the executed copy with plots goes to VAR_DIR/notebooks/
	@test -x $(VENV)/bin/jupyter-execute || { echo "make notebook needs the notebook extra:" \
		"$(PY) -m pip install nbclient nbformat ipykernel matplotlib"; exit 1; }
	@mkdir -p $(NOTEBOOK_DIR)
	cp notebooks/explore.ipynb $(NOTEBOOK_DIR)/explore.ipynb
	EXPLORE_WORK_DIR=$(abspath $(NOTEBOOK_DIR))/work $(VENV)/bin/jupyter-execute --inplace --timeout=900 \
		$(NOTEBOOK_DIR)/explore.ipynb
	@echo "executed notebook: $(NOTEBOOK_DIR)/explore.ipynb (open it in Jupyter or VS Code)"
