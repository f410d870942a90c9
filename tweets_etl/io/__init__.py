"""Reading raw files and reading/writing Hive tables: the only place the pipeline touches storage."""
