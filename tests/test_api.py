"""The public API exactly as issue 2 writes it: nv.Snapshot, nv.Snapshot.from_sklearn, nv.render_frame,
nv.VideoRecorder around a user's own partial_fit loop."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import nnviz_gl as nv
from nnviz_gl.render import frame as frame_module
from nnviz_gl.render.style import DEFAULT_STYLE as STYLE
from nnviz_gl.sinks.probe import probe, read_frames
from nnviz_gl.render.capabilities import software_encoder_threads

SIZE = (320, 180)


@pytest.fixture
def current_contexts(ctx):
    """render_frame keeps its own context; make it current for the test and the session's one after.

    An EGL context is current per thread and moderngl does not switch by itself, so a test that
    uses both must say which one it is talking to (see test_render_frame_survives_another_context).
    """
    shared = frame_module._shared
    if shared is not None:
        shared.ctx.__enter__()
    yield
    ctx.__enter__()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X[:40], y[:40], X[40:], y[40:]


def issue_snapshot(seed=0, epoch=3, loss=0.41) -> nv.Snapshot:
    """The issue's own line: nv.Snapshot(weights=[W1, W2], biases=[b1, b2], activation="tanh", ...)."""
    rng = np.random.default_rng(seed)
    W1, W2 = rng.normal(size=(2, 4)), rng.normal(size=(4, 1))
    b1, b2 = rng.normal(size=4), rng.normal(size=1)
    return nv.Snapshot(weights=[W1, W2], biases=[b1, b2], activation="tanh", epoch=epoch, loss=loss)


def quiet_partial_fit(clf, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X, y, classes=[0, 1])


def test_render_frame_returns_rgb_uint8_top_row_first(current_contexts, data):
    X, y, X_test, y_test = data
    frame = nv.render_frame(issue_snapshot(), X, y, X_test=X_test, y_test=y_test, previous=None, size=SIZE)
    assert isinstance(frame, np.ndarray)
    assert frame.dtype == np.uint8 and frame.shape == (SIZE[1], SIZE[0], 3)
    assert frame.max() > 100, "not a blank frame"
    # Row 0 is the top: the title's text (text colour) is in the top rows, not in the bottom ones.
    text = np.abs(frame.astype(float) - np.array(STYLE.text) * 255).max(axis=2) <= 30
    left = text[:, : SIZE[0] // 3]                       # the title starts at the left; no points there
    assert left[: SIZE[1] // 8].sum() > 5
    assert not left[-SIZE[1] // 8:].any()


def test_render_frame_is_deterministic_and_follows_its_inputs(current_contexts, data):
    X, y, X_test, y_test = data
    snap, other = issue_snapshot(seed=0), issue_snapshot(seed=1)
    first = nv.render_frame(snap, X, y, size=SIZE)
    changed = nv.render_frame(other, X, y, size=SIZE)
    again = nv.render_frame(snap, X, y, size=SIZE)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, changed)
    with_test = nv.render_frame(snap, X, y, X_test=X_test, y_test=y_test, size=SIZE)
    assert not np.array_equal(first, with_test), "test points are drawn"
    learning = nv.render_frame(other, X, y, previous=snap, size=SIZE)
    assert not np.array_equal(changed, learning), "previous= marks the learning edges"


@pytest.mark.parametrize("size", [(321, 177), (720, 1280), (400, 400), (64, 64)])
def test_render_frame_any_size_and_aspect(current_contexts, data, size):
    X, y, _, _ = data
    frame = nv.render_frame(issue_snapshot(), X, y, size=size)
    assert frame.shape == (size[1], size[0], 3) and frame.dtype == np.uint8
    assert frame.max() > 100


def test_render_frame_refuses_impossible_sizes(current_contexts, data):
    X, y, _, _ = data
    for bad in ((0, 100), (32, 32), ("wide", 100)):
        with pytest.raises(ValueError, match="size"):
            nv.render_frame(issue_snapshot(), X, y, size=bad)


def test_render_frame_survives_another_context():
    """A caller who also uses moderngl (or the test suite's ctx) must still get the right picture."""
    script = textwrap.dedent("""
        import numpy as np, nnviz_gl as nv
        from nnviz_gl.render.context import create_headless_context
        rng = np.random.default_rng(0)
        X = rng.normal(size=(20, 2)); y = (X[:, 0] > 0).astype(int)
        snap = nv.Snapshot(weights=[rng.normal(size=(2, 3)), rng.normal(size=(3, 1))],
                           biases=[np.zeros(3), np.zeros(1)], activation="tanh")
        first = nv.render_frame(snap, X, y, size=(320, 180))
        mine = create_headless_context()          # the user's own context is now current
        fbo = mine.simple_framebuffer((320, 180)); fbo.use(); fbo.clear(1.0, 0.0, 1.0, 1.0)
        second = nv.render_frame(snap, X, y, size=(320, 180))
        mine.__enter__()                          # the user makes their own context current again
        fbo.use()
        mine_after = np.frombuffer(fbo.read(), np.uint8).reshape(180, 320, 3)
        print("same_frame", np.array_equal(first, second))
        print("mine_untouched", bool((mine_after == [255, 0, 255]).all()))
        print("gl_error", mine.error)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "same_frame True" in run.stdout and "mine_untouched True" in run.stdout, run.stdout
    assert "gl_error GL_NO_ERROR" in run.stdout, run.stdout


def test_from_sklearn_copies_the_arrays(data):
    X, y, _, _ = data
    clf = MLPClassifier(hidden_layer_sizes=(5, 3), activation="tanh", random_state=0)
    quiet_partial_fit(clf, X, y)
    snap = nv.Snapshot.from_sklearn(clf, epoch=1)
    kept_w = [w.copy() for w in clf.coefs_]
    kept_p = clf.predict_proba(X)[:, 1]
    for _ in range(5):
        quiet_partial_fit(clf, X, y)
    assert not np.allclose(clf.coefs_[0], kept_w[0]), "training moved the weights"
    for got, want in zip(snap.weights, kept_w):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(snap.forward(X), kept_p, atol=1e-12)
    assert snap.epoch == 1 and snap.activation == "tanh"
    assert snap.architecture.layer_sizes == (2, 5, 3, 1)
    assert snap.loss == pytest.approx(clf.loss_curve_[0])
    with pytest.raises(ValueError):
        snap.weights[0][0, 0] = 1.0    # published snapshots are read-only
    unfitted = MLPClassifier()
    with pytest.raises(ValueError, match="no weights yet"):
        nv.Snapshot.from_sklearn(unfitted)


def test_video_recorder_around_a_users_own_loop(tmp_path, data):
    X, y, _, _ = data
    clf = MLPClassifier(hidden_layer_sizes=(5, 10, 5), alpha=1, random_state=0)
    out = tmp_path / "out.mp4"
    epochs = 7
    with nv.VideoRecorder(out, X, y, size=SIZE, fps=30) as rec:   # a user's own loop, as in the issue
        for epoch in range(epochs):
            quiet_partial_fit(clf, X, y)
            rec.publish(nv.Snapshot.from_sklearn(clf, epoch=epoch))
    assert rec.frames_written == epochs
    # A software renderer's GL work is CPU work: the encoder gets half the cores; a GPU's, its default.
    threads = rec.renderer.caps.encoder_threads
    assert (threads is None) == (not rec.renderer.caps.software) and threads != 0
    if threads is not None:
        assert rec.writer.command[rec.writer.command.index("-threads") + 1] == str(threads)
    else:
        assert "-threads" not in rec.writer.command
    info = probe(out)
    assert (info.frames, info.width, info.height) == (epochs, *SIZE)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    frames = read_frames(out)
    assert frames.shape == (epochs, SIZE[1], SIZE[0], 3)
    assert not np.array_equal(frames[0], frames[-1]), "the network learned: the picture moves"


def test_video_recorder_with_test_data_and_interpolated_frames(tmp_path, data):
    X, y, X_test, y_test = data
    out = tmp_path / "slow.mp4"
    with nv.VideoRecorder(out, X, y, X_test, y_test, size=SIZE, fps=10, frames_per_epoch=3) as rec:
        for epoch in range(3):
            rec.publish(issue_snapshot(seed=epoch, epoch=epoch))
    # The first snapshot has nothing to blend from, the others are blended in over three frames each.
    assert probe(out).frames == 3 * 3


def test_video_recorder_takes_its_points_late_and_draws_the_same_frames(tmp_path, data):
    """set_data before the first publish (what ``nnviz-gl render`` does while its training worker
    imports scikit-learn) gives the video the points given at construction give."""
    X, y, X_test, y_test = data
    videos = []
    for late in (False, True):
        out = tmp_path / f"late_{late}.mp4"
        given = () if late else (X, y, X_test, y_test)
        with nv.VideoRecorder(out, *given, size=SIZE, fps=30) as rec:
            if late:
                rec.set_data(X, y, X_test, y_test)
            for epoch in range(2):
                rec.publish(issue_snapshot(seed=epoch, epoch=epoch))
        videos.append(read_frames(out))
    assert np.array_equal(videos[0], videos[1])
    no_points = tmp_path / "no_points.mp4"
    with nv.VideoRecorder(no_points, size=SIZE, fps=30) as rec:
        rec.publish(issue_snapshot())
    assert not np.array_equal(read_frames(no_points)[0], videos[0][0]), "the points are drawn"


def test_video_recorder_refuses_points_after_the_first_frame_and_a_record_without_points(tmp_path, data):
    X, y, _, _ = data
    with nv.VideoRecorder(tmp_path / "a.mp4", size=SIZE) as rec:
        rec.publish(issue_snapshot())
        with pytest.raises(RuntimeError, match="after the first publish"):
            rec.set_data(X, y)
    with pytest.raises(ValueError, match="record= needs the points"):
        nv.VideoRecorder(tmp_path / "b.mp4", size=SIZE, record=tmp_path / "b.nnviz")
    assert not (tmp_path / "b.mp4").exists() and not (tmp_path / "b.nnviz").exists()


def test_importing_the_package_and_its_cli_leaves_scikit_learn_unimported():
    """``nnviz-gl --help`` and ``import nnviz_gl`` stay quick: scikit-learn loads on first use."""
    code = textwrap.dedent("""
        import sys
        import nnviz_gl, nnviz_gl.cli
        before = "sklearn" in sys.modules
        names = {name: getattr(nnviz_gl, name) for name in nnviz_gl.__all__}
        resolved = "sklearn" in sys.modules
        nnviz_gl.make_dataset()
        print(before, resolved, "sklearn" in sys.modules, sorted(names) == sorted(nnviz_gl.__all__))
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "False", "True", "True"]
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = nv.Nope


@pytest.mark.parametrize("options, message", [({"codec": "mpeg2"}, "unknown codec"),
                                              ({"codec": "libx264", "preset": "p4"}, "not valid for libx264"),
                                              ({"fps": 1e-9}, "slower than ffmpeg can write"),
                                              ({"fps": 2e6}, "faster than ffmpeg takes")])
def test_video_recorder_refuses_bad_encoder_options_and_leaves_nothing(tmp_path, data, options, message):
    """The encoder is set up after the render thread has made its GL context (which says the frame
    format): a refusal there still ends that thread and writes no file."""
    import threading

    X, y, _, _ = data
    out = tmp_path / "never.mp4"
    with pytest.raises(ValueError, match=message):
        nv.VideoRecorder(out, X, y, size=SIZE, **options)
    assert not any(t.name == "nnviz-render" for t in threading.enumerate())
    assert list(tmp_path.iterdir()) == []


def test_encoder_threads_leave_a_software_renderer_half_the_cores(monkeypatch):
    for cores, want in ((1, 1), (2, 1), (3, 1), (16, 8), (None, 1)):
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert software_encoder_threads() == want
