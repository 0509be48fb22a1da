"""A sweep's runs on disk: one ``.nnviz`` per run plus ``sweep.json``, the list of runs in order with
their labels and, for a run that failed, why (so ``sweep --from DIR`` draws its tile with the note).

Every file is written under a temporary name and renamed: a folder never holds half a run.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .combinations import SweepError

MANIFEST = "sweep.json"
FORMAT = "nnviz-sweep"


@dataclass
class StoredRun:
    """A run as a runs folder lists it: its trajectory (None when it has none) and its tile's words."""

    label: str
    trajectory: Path | None
    note: str | None


def prepare(folder: str | os.PathLike[str]) -> Path:
    """Make the runs folder (and its parents); refuse, in one line, one that cannot be written."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise SweepError(f"the runs folder {str(path)!r} is a file; give a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".nnviz-write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise SweepError(f"cannot write the runs folder {str(path)!r}: {exc.strerror or exc}") from None
    return path


def write_atomically(path: Path, data: bytes) -> None:
    """``data`` under ``path``, appearing at once (written as a hidden temporary file, then renamed)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def write_manifest(folder: Path, runs: Sequence) -> None:
    """``sweep.json``: every run of the sweep in order (a SweepRun's index, label, values, file, error)."""
    rows = [{"index": run.index, "label": run.label, "values": {k: _plain(v) for k, v in run.values.items()},
             "file": None if run.trajectory is None else run.trajectory.name, "error": run.error} for run in runs]
    text = json.dumps({"format": FORMAT, "version": 1, "runs": rows}, indent=1)
    write_atomically(folder / MANIFEST, text.encode())


def read_runs(folder: str | os.PathLike[str]) -> list[StoredRun]:
    """The runs a folder holds, in sweep order: from its ``sweep.json``, or, without one, every ``.nnviz``
    in name order, labelled by the label recorded in it (else its name)."""
    path = Path(folder)
    if not path.is_dir():
        raise SweepError(f"no runs folder at {str(path)!r}" if not path.exists() else f"{str(path)!r} is not a folder")
    manifest = path / MANIFEST
    if manifest.exists():
        try:
            rows = json.loads(manifest.read_text())["runs"]
            runs = [StoredRun(str(row["label"]), None if row["file"] is None else path / row["file"],
                              None if row["error"] is None else f"failed: {row['error']}") for row in rows]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SweepError(f"{str(manifest)!r} is not a sweep's list of runs ({type(exc).__name__}: {exc})") from None
    else:
        runs = [StoredRun(_recorded_label(file), file, None) for file in sorted(path.glob("*.nnviz"))]
    if not runs:
        raise SweepError(f"{str(path)!r} holds no runs (no {MANIFEST}, no .nnviz files)")
    for run in runs:
        if run.trajectory is not None and not run.trajectory.exists():
            run.note, run.trajectory = f"missing: {run.trajectory.name}", None
    return runs


def _recorded_label(file: Path) -> str:
    from ..trajectory import TrajectoryError, TrajectoryReader

    try:
        with TrajectoryReader(file) as run:
            label = run.metadata.get("sweep", {}).get("label")
    except (TrajectoryError, OSError, AttributeError):
        label = None
    return label if isinstance(label, str) else file.stem
