"""Operations glue for clusters: build the spark-submit artefacts (package) and submit the jobs (submit).

Nothing here runs on executors or imports pyspark; it only reads config, files and setup.py, and starts
pip, venv-pack and spark-submit as child processes.
"""
