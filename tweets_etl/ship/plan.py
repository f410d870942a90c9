"""What to ship: complete raw files in a folder, each with the manifest the remote copy is checked against.

A raw file is complete when its ``NAME.manifest.json`` sidecar exists: ``RawPageWriter`` writes the
manifest only after the file is finished and renamed. A file without a manifest may still be in the
middle of being written, or copied in by hand, so it is held back by default and listed in the summary.
With ``include_unmanifested`` the user vouches that it is complete: the shipper computes its size and
sha256 and writes a manifest beside it first, so local and remote sides then agree on what was sent.

Remote names are the local file names, checked so that none can leave the target directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from tweets_etl.rawfiles import MANIFEST_SUFFIX, manifest_path, sha256_file, utc_now_iso, write_atomically
from tweets_etl.ship.errors import FileShipError

PART_SUFFIX = ".part"
_SHA256_HEX = frozenset("0123456789abcdef")


def check_remote_name(name: str) -> str:
    """Return ``name`` if it is one plain file name, safe to join to the remote directory.

    Rejects empty names, ``.`` and ``..``, absolute paths, both kinds of path separator, control
    characters and bytes that are not UTF-8 (which SFTP cannot carry faithfully).
    """
    if not name or name in (".", ".."):
        raise FileShipError(f"remote name {name!r} is not a file name; rename the local file")
    if "/" in name or "\\" in name:
        raise FileShipError(
            f"remote name {name!r} contains a path separator and could leave the target folder"
        )
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise FileShipError(f"remote name {name!r} contains control characters; rename the local file")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise FileShipError(f"remote name {name!r} is not valid UTF-8; rename the local file") from None
    return name


@dataclass(frozen=True)
class ShipItem:
    """One raw file to ship with the size and sha256 its manifest promises."""

    path: Path
    remote_name: str
    size: int
    sha256: str
    manifest: bytes
    manifest_computed: bool = False

    @property
    def manifest_path(self) -> Path:
        return manifest_path(self.path)

    @property
    def remote_manifest_name(self) -> str:
        return self.remote_name + MANIFEST_SUFFIX


@dataclass(frozen=True)
class Rejected:
    """A local file that will not be shipped, and the sentence that says why."""

    path: Path
    reason: str


@dataclass
class ShipPlan:
    """Everything found in the source folder, sorted by name (collection order)."""

    source: Path
    items: List[ShipItem] = field(default_factory=list)
    rejected: List[Rejected] = field(default_factory=list)
    held_back: List[Path] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(item.size for item in self.items)


def plan_shipment(source: Path, *, include_unmanifested: bool = False, dry_run: bool = False) -> ShipPlan:
    """Find the raw files in ``source`` (not its subfolders) and pair each with its manifest.

    Hidden files and ``*.part`` files are writes in progress and are ignored; so are manifests whose raw
    file is gone (already shipped). A manifest that is unreadable or disagrees with its file's size
    rejects that file, so a stale or damaged manifest is never used to "verify" a copy. A dry run
    computes missing manifests in memory only.
    """
    source = Path(source)
    plan = ShipPlan(source=source)
    if not source.is_dir():
        return plan
    for path in sorted(source.iterdir(), key=lambda p: p.name):
        name = path.name
        if name.startswith(".") or name.endswith(PART_SUFFIX) or name.endswith(MANIFEST_SUFFIX):
            continue
        if not path.is_file():
            continue
        try:
            check_remote_name(name)
            item = _item_for(path, include_unmanifested=include_unmanifested, write=not dry_run)
        except FileShipError as error:
            plan.rejected.append(Rejected(path, str(error)))
            continue
        if item is None:
            plan.held_back.append(path)
        else:
            plan.items.append(item)
    return plan


def _item_for(path: Path, *, include_unmanifested: bool, write: bool) -> Optional[ShipItem]:
    sidecar = manifest_path(path)
    computed = not sidecar.is_file()
    if computed:
        if not include_unmanifested:
            return None
        raw = _computed_manifest(path)
        if write:
            write_atomically(sidecar, raw)
    else:
        raw = sidecar.read_bytes()
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise FileShipError(
            f"{sidecar.name} is not valid JSON; rewrite it or delete it and ship again"
        ) from None
    if not isinstance(manifest, dict):
        raise FileShipError(f"{sidecar.name} is not a JSON object; it is not a raw file manifest")
    size, digest = manifest.get("bytes"), manifest.get("sha256")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise FileShipError(f"{sidecar.name} has no valid 'bytes' count; it is not a raw file manifest")
    if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _SHA256_HEX:
        raise FileShipError(f"{sidecar.name} has no valid 'sha256'; it is not a raw file manifest")
    actual = path.stat().st_size
    if actual != size:
        raise FileShipError(
            f"{path.name} is {actual} bytes but its manifest says {size}; the file changed after its "
            "manifest was written, so it is not shipped"
        )
    return ShipItem(
        path=path,
        remote_name=path.name,
        size=size,
        sha256=digest,
        manifest=raw,
        manifest_computed=computed,
    )


def _computed_manifest(path: Path) -> bytes:
    manifest = {
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "producer": "unknown (manifest computed by tweets-etl ship --include-unmanifested)",
        "created_at": utc_now_iso(),
    }
    return (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
