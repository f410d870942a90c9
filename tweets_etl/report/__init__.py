"""Publishing: the HTML dashboard (``tweets-etl report``) and the BI views served over HiveServer2.

``queries`` aggregates the star schema and marts in Spark; ``periods``, ``svg``, ``cards`` and
``page`` turn those small aggregates into one self-contained HTML file without Spark; ``build``
ties them together; ``bi_views`` and ``thrift_server`` serve the warehouse to BI tools.
"""
