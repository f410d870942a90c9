"""`tweets-etl ship`: send finished raw files to the edge node's landing folder, verified, then archive them."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import Callable

from tweets_etl.config import Config
from tweets_etl.errors import ConfigError, InputError, TweetsEtlError

ORDER = 30
PASSWORD_ENV = "TWEETS_ETL_SFTP_PASSWORD"
PASSPHRASE_ENV = "TWEETS_ETL_SFTP_KEY_PASSPHRASE"

DESCRIPTION = """\
Send finished raw files (each with its .manifest.json) from SRC_DIR to the landing folder, over SFTP
or, with the local transport (the embedded default), into VAR_DIR/landing.

Each file is uploaded to a hidden .NAME.part, checked against its manifest (size and sha256, computed
on the server when it runs sha256sum, else read back), renamed to NAME, and its manifest written last.
Files already there with the same checksum are skipped; an interrupted upload resumes; a dropped
connection is retried with backoff. Only then is the local file moved to VAR_DIR/shipped.

Login: --identity-file (passphrase from $TWEETS_ETL_SFTP_KEY_PASSPHRASE), else the SSH agent and
~/.ssh/id_*; a password only from $TWEETS_ETL_SFTP_PASSWORD. Host keys must be in --known-hosts:
add one with `ssh-keyscan -p PORT HOST >> KNOWN_HOSTS` after checking its fingerprint, or opt in
once with --trust-new-host.

exit codes:
  0  every file arrived and verified (or there was nothing to ship)
  1  some files did not arrive; the summary says which and why, and a re-run resumes them;
     or another ship is running (VAR_DIR/locks/ship-command.lock), so this one sent nothing
  2  bad configuration or arguments
  3  no usable session: unreachable host, unknown or changed host key, refused login, or a
     missing remote directory (nothing more was sent)
"""


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "ship",
        parents=parents,
        help="send finished raw files to the edge node over SFTP (or to VAR_DIR/landing)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "src_dir", nargs="?", metavar="SRC_DIR", help="raw files to send (default: VAR_DIR/raw)"
    )
    target = parser.add_argument_group("target (defaults from the ship: section of the config)")
    target.add_argument(
        "--transport", choices=("local", "sftp"), help="default: sftp with --host, else ship.transport"
    )
    target.add_argument("--host", help="SFTP server (ship.host)")
    target.add_argument("--port", type=int, help="SSH port (ship.port, 22)")
    target.add_argument("--user", help="login name (ship.user, else the current user)")
    target.add_argument(
        "--identity-file", metavar="FILE", help="private key (ship.identity_file, else the agent)"
    )
    target.add_argument(
        "--known-hosts", metavar="FILE", help="known_hosts to check against (ship.known_hosts)"
    )
    target.add_argument(
        "--remote-dir",
        metavar="DIR",
        help="landing folder (ship.remote_dir); relative means the login's home over SFTP, VAR_DIR locally",
    )
    target.add_argument(
        "--trust-new-host",
        action="store_true",
        default=None,
        help="accept and record the host key of a server not in known_hosts (never a changed key)",
    )
    target.add_argument(
        "--create-remote-dir",
        action="store_true",
        default=None,
        help="create the landing folder when missing (ship.create_remote_dir); else that is an error",
    )
    behaviour = parser.add_argument_group("behaviour")
    behaviour.add_argument(
        "--dry-run", action="store_true", help="list what would be sent; connect to nothing"
    )
    behaviour.add_argument(
        "--include-unmanifested",
        action="store_true",
        help="also ship files that have no manifest, after computing one (only for files known to be complete)",
    )
    behaviour.add_argument(
        "--retries", type=int, help="reconnects per file after a dropped connection (ship.retries)"
    )
    behaviour.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (it is off anyway when stderr is not a terminal)",
    )
    parser.set_defaults(handler=handle)


def handle(args, config: Config) -> int:
    from tweets_etl.ship.lock import ship_lock

    explicit_source = args.src_dir is not None
    source = Path(args.src_dir).expanduser() if explicit_source else config.dirs.raw
    if explicit_source and not source.is_dir():
        raise InputError(f"SRC_DIR {source} is not a folder; pass the folder that holds the raw files")
    transport_kind = args.transport or ("sftp" if args.host else config.ship.transport)
    remote_dir = args.remote_dir or config.ship.remote_dir
    if args.dry_run:
        # Writes and connects to nothing, so it needs no lock and may run beside a real ship.
        return _dry_run(args, config, source, transport_kind, remote_dir)
    # Planning is inside the lock too: --include-unmanifested writes manifests into SRC_DIR.
    with ship_lock(config.dirs.locks):
        return _ship(args, config, source, transport_kind, remote_dir)


def _dry_run(args, config: Config, source: Path, transport_kind: str, remote_dir: str) -> int:
    from tweets_etl.ship.plan import plan_shipment
    from tweets_etl.ship.shipper import human_bytes, plural

    plan = plan_shipment(source, include_unmanifested=args.include_unmanifested, dry_run=True)
    where = _describe_target(args, config, transport_kind, remote_dir)
    print(
        f"dry run: would send {plural(len(plan.items), 'file')} ({human_bytes(plan.total_bytes)}) "
        f"from {source} to {where}"
    )
    for item in plan.items:
        note = " (manifest would be computed)" if item.manifest_computed else ""
        print(f"  {item.remote_name}  {human_bytes(item.size)}  sha256 {item.sha256[:12]}…{note}")
    for rejected in plan.rejected:
        print(f"  refused  {rejected.path.name}: {rejected.reason}")
    for path in plan.held_back:
        print(f"  held back (no manifest)  {path.name}")
    return 0 if not plan.rejected else 1


def _ship(args, config: Config, source: Path, transport_kind: str, remote_dir: str) -> int:
    from tweets_etl.ship.plan import plan_shipment
    from tweets_etl.ship.shipper import Shipper

    plan = plan_shipment(source, include_unmanifested=args.include_unmanifested)
    if not plan.items and not plan.rejected:
        held = f"; {len(plan.held_back)} held back without a manifest" if plan.held_back else ""
        print(f"ship: nothing to send in {source}{held}")
        return 0

    connect, remote_dir, create = _connector(args, config, transport_kind, remote_dir, source)
    shipper = Shipper(
        connect,
        remote_dir,
        shipped_dir=config.dirs.shipped,
        create_remote_dir=create,
        retries=config.ship.retries if args.retries is None else args.retries,
        backoff_seconds=config.ship.backoff_seconds,
        progress=False if args.no_progress else None,
    )
    report = shipper.ship(plan)
    print(report.summary())
    if report.fatal is not None:
        raise report.fatal
    return 0 if report.all_arrived else 1


def _describe_target(args, config: Config, transport_kind: str, remote_dir: str) -> str:
    if transport_kind == "local":
        return str(_local_target(config, remote_dir))
    host = args.host or config.ship.host or "<ship.host not set>"
    user = args.user or config.ship.user or getpass.getuser()
    return f"sftp://{user}@{host}:{args.port or config.ship.port} {remote_dir}"


def _local_target(config: Config, remote_dir: str) -> Path:
    """ship.remote_dir on this machine; a relative one is below VAR_DIR (the default: config.dirs.landing)."""
    path = Path(remote_dir).expanduser()
    return path if path.is_absolute() else config.var_path / path


def _connector(args, config: Config, transport_kind: str, remote_dir: str, source: Path):
    """Return (connect function, directory, create flag) for the chosen transport."""
    create = bool(config.ship.create_remote_dir if args.create_remote_dir is None else args.create_remote_dir)
    if transport_kind == "local":
        from tweets_etl.ship.transport import LocalTransport

        target = _local_target(config, remote_dir)
        if target.resolve() == source.resolve():
            raise ConfigError(
                f"ship target {target} is the source folder itself; set ship.remote_dir elsewhere"
            )
        # Our own var dir is ours to create; any other folder (a mount point) must exist already.
        create = create or config.var_path in (target.resolve(), *target.resolve().parents)
        return LocalTransport, str(target), create
    return _sftp_connector(args, config), remote_dir, create


def _sftp_connector(args, config: Config) -> Callable:
    try:
        from tweets_etl.ship.sftp import SftpSettings, connect_sftp
    except ImportError as error:
        raise TweetsEtlError(
            f"SFTP shipping needs paramiko ({error}); install it with: pip install 'tweets-etl[ship]'"
        ) from None

    host = args.host or config.ship.host
    if not host:
        raise ConfigError("ship.host is not set; pass --host or set ship.host in conf/ENV.yaml")
    port = args.port or config.ship.port
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {port} is not a TCP port (1 to 65535)")
    identity = args.identity_file or config.ship.identity_file
    settings = SftpSettings(
        host=host,
        port=port,
        user=args.user or config.ship.user or getpass.getuser(),
        identity_file=Path(identity).expanduser() if identity else None,
        known_hosts=Path(args.known_hosts or config.ship.known_hosts).expanduser(),
        trust_new_host=bool(args.trust_new_host or config.ship.trust_new_host),
        timeout_seconds=config.ship.timeout_seconds,
        keepalive_seconds=config.ship.keepalive_seconds,
        password=os.environ.get(PASSWORD_ENV) or None,
        passphrase=os.environ.get(PASSPHRASE_ENV) or None,
    )
    return lambda: connect_sftp(settings)
