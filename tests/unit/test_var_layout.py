"""The folders under VAR_DIR have one description, config.VarLayout: its names, and the scripts, make
files and docs that name the same folders."""

from __future__ import annotations

import re
from pathlib import Path

from tweets_etl.commands.ship import _local_target
from tweets_etl.config import VarLayout, load_config

REPO = Path(__file__).resolve().parents[2]
CONF = str(REPO / "conf")

# The folder names as they are on disk: renaming one moves users' data, so it is a visible change here.
FOLDERS = {
    "raw": "raw",
    "shipped": "shipped",
    "landing": "landing",
    "loaded": "loaded",
    "recovered": "recovered",
    "rejects": "rejects",
    "collect_state": "state/collect",
    "sample": "sample",
    "reports": "reports",
    "locks": "locks",
    "logs": "logs",
    "notebooks": "notebooks",
    "bench": "bench",
    "metastore": "metastore",
    "metastore_db": "metastore/metastore_db",
    "warehouse": "warehouse",
}
# A folder below the var dir as a script, make file or doc names it: var/raw, VAR_DIR/raw,
# $(VAR_DIR)/notebooks, $var_dir/locks (not /var/lib, an absolute path).
_MENTION = re.compile(r"(?:(?<![\w/.-])var|VAR_DIR\)?|\$\{?var_dir\}?)/([A-Za-z_]+)")


def folders(layout: VarLayout):
    return {
        name: getattr(layout, name) for name, value in vars(VarLayout).items() if isinstance(value, property)
    }


def test_every_folder_has_its_name_and_says_what_it_holds():
    layout = VarLayout(Path("/v"))

    assert {name: str(path.relative_to("/v")) for name, path in folders(layout).items()} == FOLDERS
    assert all(getattr(VarLayout, name).__doc__ for name in FOLDERS)


def test_the_layout_is_below_the_resolved_var_dir(tmp_path, monkeypatch):
    tmp_path = tmp_path.resolve()
    monkeypatch.chdir(tmp_path)
    config = load_config(conf_dir=CONF, var_dir="here", environ={})

    assert config.dirs == VarLayout(tmp_path / "here") and config.dirs.root == config.var_path
    assert config.dirs.collect_state == tmp_path / "here" / "state" / "collect"


def test_ship_delivers_by_default_where_run_reads(tmp_path):
    config = load_config(conf_dir=CONF, var_dir=str(tmp_path), environ={})

    assert config.ship.transport == "local"
    assert _local_target(config, config.ship.remote_dir) == config.dirs.landing
    assert _local_target(config, "elsewhere/in") == tmp_path / "elsewhere" / "in"
    assert _local_target(config, "/mnt/landing") == Path("/mnt/landing")


def test_the_shell_and_make_writers_use_the_layouts_names():
    layout = VarLayout(Path("var"))
    cron_run = (REPO / "scripts" / "cron_run.sh").read_text(encoding="utf-8")
    report_mk = (REPO / "mk" / "report.mk").read_text(encoding="utf-8")

    # Shared with `ship`'s own lock (ship/lock.py): both must be in one folder.
    assert f'lock_dir="$var_dir/{layout.locks.name}"' in cron_run
    assert f'log_dir="$var_dir/{layout.logs.name}/cron/$name"' in cron_run
    assert f"NOTEBOOK_DIR = $(VAR_DIR)/{layout.notebooks.name}" in report_mk


def test_scripts_make_files_and_docs_name_only_folders_of_the_layout():
    known = {Path(path).parts[0] for path in FOLDERS.values()}
    files = [REPO / "Makefile", REPO / "README.md", REPO / "conf" / "cron" / "crontab"]
    files += [*REPO.glob("mk/*.mk"), *REPO.glob("scripts/*.sh"), *REPO.glob("tweets_etl/**/*.py")]
    mentions = {
        (path.relative_to(REPO).as_posix(), name)
        for path in files
        for name in _MENTION.findall(path.read_text(encoding="utf-8"))
    }

    assert {name for _, name in mentions} >= {"raw", "landing", "locks", "logs", "notebooks"}  # it finds them
    assert sorted(mention for mention in mentions if mention[1] not in known) == []
