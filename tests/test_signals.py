"""A signal always ends the process, within seconds, whatever is stuck; and what it says is what is on disk."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from polling import poll_until

from nnviz_gl.sinks.probe import probe
from test_errors import CLI, _child, _wait_for_fragments

OLD = b"the previous video"
ENCODER = b".partial.mp4"  # in the encoding ffmpeg's command line (not in the one that probes the codecs)


class Render:
    """``nnviz-gl render`` in a child process, its stderr read as it comes (to wait for its words)."""

    def __init__(self, *args: str, env: dict | None = None) -> None:
        self.proc = subprocess.Popen([*CLI, "render", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stderr), daemon=True)
        self._reader.start()

    @property
    def err(self) -> str:
        return "".join(self.lines)

    def wait_for_words(self, pattern: str, seconds: float = 60) -> None:
        poll_until(lambda: re.search(pattern, self.err) or self.proc.poll() is not None, seconds,
                    f"{pattern!r} never came: {self.err}")
        assert re.search(pattern, self.err), f"ended before saying {pattern!r}: {self.err}"

    def child(self, command_part: bytes) -> int:
        poll_until(lambda: _child(self.proc.pid, command_part) is not None, 60, f"no {command_part!r} child")
        return _child(self.proc.pid, command_part)  # type: ignore[return-value]

    def end(self, seconds: float) -> tuple[int, str]:
        """The exit code, once the process ended within ``seconds`` (else the test fails), and its stderr."""
        try:
            code = self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"still running {seconds} s later: {self.err}")
        self._reader.join(10)
        return code, self.err


def ends_within(pid: int, seconds: float) -> bool:
    fd = os.pidfd_open(pid)
    try:
        import select

        return bool(select.select([fd], [], [], seconds)[0])
    finally:
        os.close(fd)


def long_render(out: Path, *extra: str) -> Render:
    # 640x480 frames are over the pipe's 1 MiB: spliced, the default path on Linux.
    return Render("-r", "640,480", "--epochs", "3000", "--no-progress", "-o", str(out), *extra)


def render_with_a_frozen_encoder(out: Path) -> tuple[Render, int, Path]:
    """A long render whose ffmpeg is stopped (SIGSTOP: a stuck pipe or disk looks the same) once fragments
    reached its partial file: the render, ffmpeg's pid, the partial file."""
    render = long_render(out)
    partial = out.with_name(f"{out.stem}.partial{out.suffix}")
    _wait_for_fragments(partial, render.proc)
    ffmpeg = render.child(ENCODER)
    os.kill(ffmpeg, signal.SIGSTOP)
    return render, ffmpeg, partial


def test_sighup_finalises_like_sigterm(tmp_path):
    out = tmp_path / "run.mp4"
    render = long_render(out)
    _wait_for_fragments(tmp_path / "run.partial.mp4", render.proc)
    render.proc.send_signal(signal.SIGHUP)
    code, err = render.end(60)
    assert code == 129 and "Traceback" not in err, err
    frames = int(re.search(r"interrupted by SIGHUP: (\d+) of 3000 frames, kept in", err).group(1))
    assert probe(out).frames == frames > 0
    assert not (tmp_path / "run.partial.mp4").exists()


def test_a_stalled_encoder_does_not_hold_a_signalled_render(tmp_path):
    """ffmpeg frozen (SIGSTOP: a stuck pipe or disk looks the same), the render thread waiting for a free
    buffer: one SIGTERM still ends the render within seconds, with the frames in the partial file it names."""
    out = tmp_path / "run.mp4"
    out.write_bytes(OLD)
    render, ffmpeg, partial = render_with_a_frozen_encoder(out)
    try:
        started = time.monotonic()
        render.proc.send_signal(signal.SIGTERM)
        code, err = render.end(30)
        took = time.monotonic() - started
    finally:
        os.kill(ffmpeg, signal.SIGCONT) if Path(f"/proc/{ffmpeg}").exists() else None
    assert code == 143 and "Traceback" not in err, err
    assert took < 20, f"{took:.1f} s to end"
    assert "no progress" in err and f"unfinished in {partial}" in err, err
    assert out.read_bytes() == OLD
    assert probe(partial).frames > 0
    assert ends_within(ffmpeg, 10) if Path(f"/proc/{ffmpeg}").exists() else True


def test_ctrl_c_while_the_program_imports_is_one_line(tmp_path):
    """The moment: ``argparse`` has been imported (the import log says so), numpy and the rest are loading."""
    render = Render("--epochs", "2", "-o", str(tmp_path / "x.mp4"), env={"PYTHONPROFILEIMPORTTIME": "1"})
    render.wait_for_words(r"\| argparse\n")
    render.proc.send_signal(signal.SIGINT)
    code, err = render.end(30)
    said = [line for line in err.splitlines() if not line.startswith("import time:")]
    assert "Traceback" not in err and said == ["nnviz-gl: interrupted"], said
    assert code == 130


SIGINT_IN_A_CLASS_BODY = """
import os, signal, sys
from nnviz_gl import cli

class LandsHere:
    def __set_name__(self, owner, name):
        os.kill(os.getpid(), signal.SIGINT)  # handled on the next line of Python: inside __set_name__

real_build_parser = cli.build_parser

def build_parser():
    class ImportedClass:  # as a module's class body runs while main() imports the commands
        attribute = LandsHere()
    return real_build_parser()

cli.build_parser = build_parser
sys.exit(cli.main(["render", "--epochs", "1"]))
"""


def test_ctrl_c_inside_a_class_body_while_importing_is_one_line():
    """Python 3.11 wraps a KeyboardInterrupt raised in a descriptor's ``__set_name__`` in a RuntimeError;
    this is how the import-time Ctrl-C above once printed a traceback. The signal is sent at that moment."""
    done = subprocess.run([sys.executable, "-c", SIGINT_IN_A_CLASS_BODY], capture_output=True, text=True, timeout=60)
    assert done.stderr.splitlines() == ["nnviz-gl: interrupted"], done.stderr
    assert done.returncode == 130


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_signal_during_a_huge_networks_first_frame_ends_the_render_within_seconds(tmp_path):
    """The moment: training is over (one epoch, the worker has exited) and the render process has spent a
    second of CPU drawing the first frame of a 4x600-neuron network, which takes far longer on llvmpipe."""
    out = tmp_path / "huge.mp4"
    out.write_bytes(OLD)
    render = Render("--hidden", "600,600,600,600", "-r", "1920,1080", "--epochs", "1", "--samples", "60",
                    "--no-progress", "-o", str(out))
    worker = render.child(b"nnviz_gl.training.worker")
    render.child(ENCODER)
    poll_until(lambda: not Path(f"/proc/{worker}/cmdline").exists()
                or not Path(f"/proc/{worker}/cmdline").read_bytes(), 120, "training never ended")
    start = _cpu_seconds(render.proc.pid)
    poll_until(lambda: _cpu_seconds(render.proc.pid) > start + 1 or render.proc.poll() is not None, 60,
                "the render never drew")
    render.proc.send_signal(signal.SIGTERM)
    code, err = render.end(20)
    assert code == 143 and "Traceback" not in err, err
    if "nothing written" in err:  # the frame was still being drawn
        assert out.read_bytes() == OLD and not list(tmp_path.glob("*.partial.mp4"))
    else:
        assert probe(out).frames == 1, err
