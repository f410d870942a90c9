"""`make bench`: the pipeline measured side by side with Spark's own floor on the same raw files."""
