"""tweets-etl: what people say about ChatGPT on X, from the X API to a Hive star schema with PySpark.

Extras keep each box lean:
  collect   the collector box (tweepy; no Java, no Spark)
  ship      the SFTP shipper (paramiko)
  pipeline  what Spark executors need (sentiment, Arrow for pandas UDFs); packed by `make package`
  local     pipeline + pyspark 3.5 for a laptop; on a cluster spark-submit provides Spark instead
  notebook  Jupyter kernel, nbclient and matplotlib for notebooks/ (make notebook)
  dev       everything, plus the test and lint tools
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
CONF = ROOT / "conf"
# What the configuration needs when tweets-etl runs with no conf/ folder at hand (an installed package run
# from cron): every conf/*.yaml (base, environments, taxonomy) and Spark's logging setup.
PACKAGED_CONF = ("*.yaml", "spark/log4j2.properties")
VERSION = {}
exec((ROOT / "tweets_etl" / "__init__.py").read_text(encoding="utf-8"), VERSION)

PIPELINE = [
    "vaderSentiment>=3.3.2,<4",
    # pandas_udf needs pandas and Arrow; Spark 3.5 is not built for NumPy 2 or pandas 3.
    "pandas>=1.5,<3",
    "numpy>=1.22,<2",
    # pyarrow 21+ needs NumPy 2, which Spark 3.5 does not support.
    "pyarrow>=10,<21",
]
COLLECT = ["tweepy>=4.14,<5", "tqdm>=4.64"]
# paramiko 3.4.0 cannot decrypt legacy encrypted PEM keys with current cryptography; 3.5 can.
SHIP = ["paramiko>=3.5,<6", "tqdm>=4.64"]
LOCAL = ["pyspark>=3.5,<3.6", *PIPELINE]
NOTEBOOK = ["nbclient>=0.8", "nbformat>=5.7", "ipykernel>=6.0", "matplotlib>=3.5"]
# make package and make submit read setup.py's requirements with setuptools (tweets_etl/ops/package.py),
# which Python 3.12+ venvs do not have, and pack the executor venv with venv-pack.
OPS = ["setuptools>=61", "venv-pack>=0.2"]
TEST = ["pytest>=7.4", "chispa>=0.10", "ruff>=0.6", "responses>=0.23", "lxml>=4.9", *OPS]
DEV = sorted({*LOCAL, *COLLECT, *SHIP, *NOTEBOOK, *TEST})


class BuildPyWithConf(build_py):
    """Copy conf/ into the built package as tweets_etl/conf, the last place find_conf_dir looks.

    conf/ stays the only copy in the repo; an editable install reads it in place instead.
    """

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for pattern in PACKAGED_CONF:
            for source in sorted(CONF.glob(pattern)):
                target = Path(self.build_lib, "tweets_etl", "conf", source.relative_to(CONF))
                self.mkpath(str(target.parent))
                self.copy_file(str(source), str(target))


setup(
    name="tweets-etl",
    version=VERSION["__version__"],
    description="What people say about ChatGPT on X: collector, SFTP shipper and a PySpark Hive star schema",
    long_description=(ROOT / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.9",
    packages=find_packages(include=["tweets_etl", "tweets_etl.*"]),
    include_package_data=True,
    install_requires=["pyyaml>=5.4"],
    extras_require={
        "collect": COLLECT,
        "ship": SHIP,
        "pipeline": PIPELINE,
        "local": LOCAL,
        "notebook": NOTEBOOK,
        "dev": DEV,
    },
    entry_points={"console_scripts": ["tweets-etl=tweets_etl.cli:main"]},
    cmdclass={"build_py": BuildPyWithConf},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.9",
        "Programming Language :: Python :: 3.11",
        "Topic :: Database",
    ],
)
