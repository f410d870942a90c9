"""Pure DataFrame -> DataFrame transforms: no I/O, no config files, no SparkSession.

Notebooks import these to reuse the pipeline's logic on a sample::

    from tweets_etl.transforms.staging import stage_tweets, dedupe_tweets
"""
