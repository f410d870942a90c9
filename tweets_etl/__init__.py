"""tweets_etl: what people say about ChatGPT on X, from raw API pages to a Hive star schema."""

__version__ = "0.1.0"
