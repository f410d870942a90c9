"""When the SFTP rename may fall back to remove-then-rename: only when the server lacks posix-rename."""

from __future__ import annotations

import pytest

from tweets_etl.ship.sftp import rename_extension_unsupported


@pytest.mark.parametrize(
    ("error", "unsupported"),
    [
        (OSError("Operation unsupported"), True),  # OpenSSH's SSH_FX_OP_UNSUPPORTED, as paramiko raises it
        (OSError("Unsupported extended request"), True),
        (OSError(2, "No such file"), False),  # the source is gone: the target must stay
        (OSError(13, "Permission denied"), False),
        (OSError("Failure"), False),  # SSH_FX_FAILURE: a real failure, e.g. the target is a folder
    ],
)
def test_only_an_unknown_extension_lets_rename_fall_back(error, unsupported):
    assert rename_extension_unsupported(error) is unsupported
