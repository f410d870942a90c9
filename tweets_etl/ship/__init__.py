"""Shipping raw files to the edge node: plan, transports (local folder, SFTP on paramiko), verified upload.

Never imports pyspark (the collector box has no Java). paramiko is imported only by the SFTP transport,
so local shipping needs nothing beyond the standard library.
"""
