"""Where a video may be written: refused before anything is written, in one line."""

from __future__ import annotations

import os
import pwd
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from ffmpeg_helpers import H, W

from nnviz_gl.sinks.ffmpeg import VideoWriter
from nnviz_gl.sinks.ffmpeg_process import (
    OutputPathError,
    check_output_path,
)


def test_missing_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "folder" / "out.mp4"
    with pytest.raises(OutputPathError, match="does not exist") as err:
        check_output_path(target)
    assert str(target.parent) in str(err.value)
    with pytest.raises(OutputPathError):
        VideoWriter(target, (W, H))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc, unwritable even for root")
def test_unwritable_folder_is_refused() -> None:
    with pytest.raises(OutputPathError, match="not writable"):
        check_output_path("/proc/nnviz-gl-test.mp4")


def _check_output_path_as(uid: int, gid: int, paths: list[Path]) -> list[str]:
    """``check_output_path`` for each path in a forked child running as ``uid``/``gid``: root writes
    through permission bits, so the read-only case is run as the unprivileged user a CI's root is not.
    (A fork, not a new interpreter: this Python may sit where that user cannot read it.)"""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            answers = []
            for path in paths:
                try:
                    answers.append(f"accepted {check_output_path(path)}")
                except OutputPathError as exc:
                    answers.append(f"refused {exc}")
            os.write(write_end, "\n".join(answers).encode())
        except BaseException as exc:  # any failure becomes the parent's message
            os.write(write_end, f"child failed: {exc!r}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        said = pipe.read().decode()
    os.waitpid(pid, 0)
    if said.startswith("child failed: PermissionError"):
        pytest.skip(f"cannot become an unprivileged user here ({said})")
    assert not said.startswith("child failed"), said
    return said.split("\n")


def test_read_only_folder_is_refused() -> None:
    # Under /tmp with its own 0755 top folder: pytest's tmp_path is 0700 to everyone but its owner.
    top = Path(tempfile.mkdtemp(prefix="nnviz-ro-"))
    try:
        top.chmod(0o755)
        read_only, writable = top / "ro", top / "rw"
        read_only.mkdir()
        read_only.chmod(0o555)
        writable.mkdir()
        if os.geteuid() != 0:
            with pytest.raises(OutputPathError, match="not writable"):
                check_output_path(read_only / "out.mp4")
            return
        nobody = pwd.getpwnam("nobody")
        os.chown(writable, nobody.pw_uid, nobody.pw_gid)
        refused, accepted = _check_output_path_as(nobody.pw_uid, nobody.pw_gid,
                                                  [read_only / "out.mp4", writable / "out.mp4"])
        assert refused.startswith("refused") and "not writable" in refused and "Permission denied" in refused, refused
        assert accepted == f"accepted {writable / 'out.mp4'}", "the unprivileged user could not write anywhere"
        assert list(read_only.iterdir()) == [] and list(writable.iterdir()) == []  # trial files removed
    finally:
        shutil.rmtree(top)


def test_unknown_container_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputPathError, match=r"\.mp4"):
        check_output_path(tmp_path / "out.avi")
