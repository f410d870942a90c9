"""Sub-commands of ``tweets-etl``: each module has ``register(subparsers, parents)``."""
