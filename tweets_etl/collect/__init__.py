"""Getting tweets into raw files: the X API v2 collector and importers for existing exports.

Everything here is plain Python (tweepy, requests, tqdm): it runs on a collector box with no Java,
so nothing in this package may import pyspark, directly or through another module.
"""
