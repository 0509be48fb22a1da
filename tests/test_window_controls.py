"""The playground's control panel (the nnviz_gl[gui] extra) in a real window under Xvfb, driven by real
mouse events (xdotool): its buttons step and reset the run, its slider changes the step with the
weights kept, its layer buttons reset the network and say so; without the extra the window still works."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import numpy as np
import pytest
from polling import poll_until
from window_helpers import window_id as find_window
from window_helpers import xdotool

pytest.importorskip("imgui_bundle")
pytestmark = pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")

import nnviz_gl as nv  # noqa: E402
from nnviz_gl.sinks.window_glide import MAX_GLIDE_S  # noqa: E402
from nnviz_gl.training.bus import TrainingThread  # noqa: E402

TITLE = "nnviz-gl controls test"
SIZE = (1280, 720)


@pytest.fixture(scope="module")
def window(display):
    yield from open_window(TITLE)


def open_window(title: str, focus: bool = False):
    """A window with the panel open over a paused run of moons on a training thread: (viewer, thread)."""
    from nnviz_gl.sinks.window import Viewer

    viewer = Viewer(SIZE, title=title, vsync=False)
    trainer = nv.SklearnTrainer(nv.TrainingConfig(dataset="moons", n_samples=120, hidden=(4,)))
    thread = TrainingThread(trainer, viewer, epochs_per_second=None)
    thread.pause()
    viewer.controls = thread
    assert viewer.add_controls_panel(open=True)
    d = trainer.dataset
    viewer.set_data(d.X_train, d.y_train, d.X_test, d.y_test)
    thread.start()
    poll_until(lambda: (viewer.frame() or True) and viewer.glide.target is not None, 10, "no first snapshot")
    for _ in range(3):  # ImGui lays a new window out over its first frames
        viewer.frame()
    if focus:
        xdotool("windowfocus", "--sync", x_window(viewer))
    yield viewer, thread
    thread.stop()
    thread.join(10)
    viewer.release()


def window_id() -> str:
    return find_window(TITLE)


def frames_until(viewer, condition, what: str) -> None:
    """Run the window's loop (events in, frames drawn: ImGui takes one event a frame) until ``condition``."""
    import glfw

    def one() -> bool:
        glfw.poll_events()
        viewer.frame()
        return condition()

    poll_until(one, 10.0, what)


def x_window(viewer) -> str:
    """The viewer's X window, for xdotool."""
    import glfw

    return str(glfw.get_x11_window(viewer.window))


def click(viewer, name: str, at_x: float | None = None, ctrl: bool = False) -> None:
    """A click on a control: its middle, or ``at_x`` pixels from its left end; with ctrl held if ``ctrl``."""
    r = viewer.gui.widgets[name]
    x = r.x + (r.w / 2 if at_x is None else at_x)
    xdotool("mousemove", "--window", x_window(viewer), str(int(x)), str(int(r.y + r.h / 2)))
    frames_until(viewer, lambda: True, "")
    if ctrl:
        xdotool("keydown", "ctrl")
        frames_until(viewer, lambda: True, "")
    xdotool("click", "1")
    if ctrl:
        frames_until(viewer, lambda: True, "")
        xdotool("keyup", "ctrl")


def weights(thread) -> list:
    return [w.copy() for w in thread.trainer.model.coefs_]


def stepped(viewer, thread) -> int:
    """One epoch trained (paused) and drawn, so that a reset would show as epoch 0; that epoch."""
    assert thread.paused
    runs = thread.epochs_run
    thread.step_once()
    frames_until(viewer, lambda: thread.epochs_run > runs and viewer.glide.target is viewer.glide.slot.latest()[0],
                 "the stepped epoch drawn")
    return viewer.glide.target.epoch


def choose(viewer, menu: str, option: str) -> None:
    """Open the drop-down ``menu`` and click ``option`` in it."""
    click(viewer, menu)
    frames_until(viewer, lambda: f"{menu}:{option}" in viewer.gui.widgets, f"the {menu} menu open")
    for _ in range(2):  # ImGui places a new popup over its first frames
        viewer.frame()
    click(viewer, f"{menu}:{option}")


def new_network(viewer, thread, what: str, message: str) -> None:
    """The change ``what`` reached the trainer as a new network (drawn from epoch 0) with ``message``."""
    frames_until(viewer, lambda: thread.last_change == message, f"{what}: {thread.last_change!r}")
    frames_until(viewer, lambda: viewer.glide.target is viewer.glide.slot.latest()[0], "the new network drawn")
    assert viewer.glide.target.epoch == 0


def test_the_panel_is_drawn_over_the_network_panel(window):
    viewer, _ = window
    step = viewer.gui.widgets["step"]
    net = viewer.scene.layout.network
    assert net.contains(step.x, step.y), "the panel sits in the network panel's corner"
    rgb = viewer.read_rgb()
    button = rgb[int(step.y + 2):int(step.y + step.h - 2), int(step.x + 2):int(step.x + step.w - 2)]
    assert button.size and button.reshape(-1, 3).std(axis=0).max() > 10, "the button and its text are drawn"


def test_step_and_reset_buttons_drive_the_training_thread(window):
    viewer, thread = window
    xdotool("windowfocus", "--sync", window_id())
    before = thread.epochs_run
    click(viewer, "step")
    frames_until(viewer, lambda: thread.epochs_run == before + 1, "the step button's epoch")
    frames_until(viewer, lambda: viewer.glide.target.epoch >= 1, "the stepped snapshot")
    click(viewer, "reset")
    frames_until(viewer, lambda: viewer.glide.target.epoch == 0, "the reset network's epoch 0")


def test_a_layer_button_resets_the_network_and_says_so(window):
    viewer, thread = window
    click(viewer, "+##layers")
    frames_until(viewer, lambda: viewer.glide.target.architecture.layer_sizes == (2, 4, 4, 1), "a second layer")
    assert thread.last_change == "hidden 4,4: a new network (the weights were reset)"


def test_dragging_the_learning_rate_keeps_the_weights(window):
    viewer, thread = window
    before = thread.trainer.config.learning_rate
    r = viewer.gui.widgets["learning_rate"]
    wid = window_id()
    y = str(int(r.y + r.h / 2))
    xdotool("mousemove", "--window", wid, str(int(r.x + r.w * 0.5)), y)
    frames_until(viewer, lambda: True, "")
    xdotool("mousedown", "1")
    frames_until(viewer, lambda: True, "")
    xdotool("mousemove", "--window", wid, str(int(r.x + r.w * 0.9)), y)
    frames_until(viewer, lambda: True, "")
    xdotool("mouseup", "1")
    frames_until(viewer, lambda: thread.last_change is not None and "learning rate" in thread.last_change,
                 "the learning rate change")
    assert thread.last_change.endswith("from the next epoch (weights kept)")
    assert thread.trainer.config.learning_rate > before


def test_the_help_says_where_the_panel_is(window):
    viewer, _ = window
    viewer.hud.show_help = True
    try:
        viewer.draw()
        texts = " ".join(item.text for item in viewer.hud.items())
    finally:
        viewer.hud.show_help = False
    assert "training controls: open them with the arrow" in texts


def test_the_panel_starts_folded_and_opens_with_a_click(window):
    """By default only its title bar shows (it would cover the network); a click on it opens it."""
    viewer, thread = window
    from nnviz_gl.sinks.window_controls import ControlPanel

    folded = ControlPanel(viewer.ctx, thread)
    folded.place(viewer.scene.layout)
    viewer.gui.release()
    viewer.scene.panels[viewer.scene.panels.index(viewer.gui)] = folded
    viewer.gui = folded
    for _ in range(3):
        viewer.frame()
    title = folded.widgets["title"]
    assert "step" not in folded.widgets and title.h < 40
    click(viewer, "title", at_x=title.h / 2)  # the fold arrow at the title bar's left end
    frames_until(viewer, lambda: "step" in folded.widgets, "the panel opening")


def test_without_the_extra_the_window_still_works(display, tmp_path):
    """imgui_bundle hidden from the interpreter: watch runs with its keys and says how to get the panel."""
    code = ("import sys; sys.modules['imgui_bundle'] = None\n"
            "import nnviz_gl as nv\n"
            "from nnviz_gl.sinks.window_controls import gui_available\n"
            "assert not gui_available()\n"
            "nv.watch(dataset='moons', n_samples=100, hidden=(3,), duration=1.5, vsync=False)\n"
            "from nnviz_gl.sinks.window import Viewer\n"
            "from nnviz_gl.training.bus import TrainingThread\n"
            "v = Viewer((640, 360), vsync=False, visible=False)\n"
            "t = nv.SklearnTrainer(nv.TrainingConfig(dataset='moons', n_samples=100, hidden=(3,)))\n"
            "v.controls = TrainingThread(t, v)\n"
            "assert not v.add_controls_panel()\n"
            "v.publish(t.current_snapshot()); v.hud.show_help = True; v.draw()\n"
            "print('HELP', [i.text for i in v.hud.items()])\n"
            "v.release()\n")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "frames=" in done.stdout and time.monotonic() - start < 120
    help_line = next(line for line in done.stdout.splitlines() if line.startswith("HELP"))
    assert "pip install 'nnviz_gl[gui]'" in help_line, "the help does not say how to get the panel"


def test_the_panel_is_redrawn_only_when_it_changes_and_shows_the_change(window):
    """Its picture is kept between frames: frames of a changing network do not redraw the panel's lists,
    a hovered button does (the button lights up on screen), and the kept picture is the one ImGui drew."""
    viewer, thread = window
    cache = viewer.gui.gui
    away = viewer.scene.layout.field
    xdotool("mousemove", "--window", window_id(), str(int(away.x + 5)), str(int(away.y + 5)))
    frames_until(viewer, lambda: viewer.input.mouse is not None and away.contains(*viewer.input.mouse), "the mouse away")
    for _ in range(3):
        viewer.frame()
    redraws = cache.redraws
    epoch = viewer.glide.target.epoch
    thread.step_once()
    frames_until(viewer, lambda: viewer.glide.target.epoch == epoch + 1, "a new snapshot drawn")
    for _ in range(5):
        viewer.frame()
    assert cache.redraws == redraws, "an unchanged panel was drawn again"
    step = viewer.gui.widgets["step"]
    inside = (slice(int(step.y + 2), int(step.y + step.h - 2)), slice(int(step.x + 2), int(step.x + 6)))
    viewer.draw()
    plain = viewer.read_rgb()[inside].astype(int)
    xdotool("mousemove", "--window", window_id(), str(int(step.x + step.w / 2)), str(int(step.y + step.h / 2)))
    frames_until(viewer, lambda: cache.redraws > redraws, "the hovered panel drawn again")
    viewer.draw()
    hovered = viewer.read_rgb()[inside].astype(int)
    assert np.abs(hovered - plain).max() > 10, "the hovered button looks as before"

    def draw_directly(draw_data, framebuffer, size):
        framebuffer.use()
        framebuffer.viewport = (0, 0, *size)
        cache.gui.draw(draw_data, size)

    x0, y0, x1, y1 = cache.box
    still = time.perf_counter() + MAX_GLIDE_S  # the network under the panel as still as the panel
    viewer.clock = lambda: still
    try:
        viewer.draw()
        kept = viewer.read_rgb()[y0:y1, x0:x1].astype(int)
        viewer.gui.gui.draw = draw_directly
        viewer.draw()
        direct = viewer.read_rgb()[y0:y1, x0:x1]
    finally:
        viewer.clock = time.perf_counter
        del viewer.gui.gui.draw
    assert np.abs(kept - direct).max() <= 1, "the kept picture is not what ImGui drew"


def test_play_and_pause_buttons(window):
    viewer, thread = window
    assert thread.paused
    click(viewer, "play")
    frames_until(viewer, lambda: not thread.paused and "pause" in viewer.gui.widgets, "the run playing")
    click(viewer, "pause")
    frames_until(viewer, lambda: thread.paused and "play" in viewer.gui.widgets, "the run paused")


def test_the_activation_menu_starts_a_new_network(window):
    viewer, thread = window
    stepped(viewer, thread)
    choose(viewer, "activation", "tanh")
    new_network(viewer, thread, "tanh", "activation tanh: a new network (the weights were reset)")
    assert thread.trainer.config.activation == "tanh" and viewer.glide.target.activation == "tanh"


def test_neurons_per_layer_input_features_and_fewer_layers_start_a_new_network(window):
    viewer, thread = window
    hidden = thread.trainer.config.hidden
    stepped(viewer, thread)
    click(viewer, "+##n0")
    wider = (hidden[0] + 1,) + hidden[1:]
    new_network(viewer, thread, "a wider layer", f"hidden {','.join(map(str, wider))}: a new network (the weights were reset)")
    assert viewer.glide.target.architecture.layer_sizes[1] == wider[0]
    stepped(viewer, thread)
    click(viewer, "feature:x1^2")
    new_network(viewer, thread, "a third input", "features x1,x2,x1^2: a new network (the weights were reset)")
    assert thread.trainer.config.features == ("x1", "x2", "x1^2")
    assert viewer.glide.target.architecture.layer_sizes[0] == 3
    click(viewer, "feature:x1^2")
    new_network(viewer, thread, "two inputs again", "features x1,x2: a new network (the weights were reset)")
    stepped(viewer, thread)
    click(viewer, "-##layers")
    fewer = wider[:-1]
    new_network(viewer, thread, "a layer less", f"hidden {','.join(map(str, fewer)) or 'none'}: a new network "
                "(the weights were reset)")
    assert viewer.glide.target.architecture.layer_sizes[1:-1] == fewer


def test_the_dataset_menu_makes_new_data(window):
    viewer, thread = window
    stepped(viewer, thread)
    choose(viewer, "dataset", "xor")
    new_network(viewer, thread, "xor", "dataset xor, classes auto, noise auto, problem auto: new data and a new network")
    assert thread.trainer.config.dataset == "xor"


def test_the_problem_kind_of_a_built_in_dataset_switches_to_one_of_that_kind(window):
    """A built-in dataset has one kind: asking for the other takes the first dataset of that kind, and says so."""
    viewer, thread = window
    start = thread.trainer.config.dataset
    click(viewer, "problem:regression")
    frames_until(viewer, lambda: viewer.glide.target.architecture.kind == "regression", "a regression drawn")
    assert thread.trainer.config.dataset == "reg-plane"
    assert viewer.gui.message == f"{start} is a classification dataset only: switched to reg-plane (new data and a new network)"
    click(viewer, "problem:classification")
    frames_until(viewer, lambda: viewer.glide.target.architecture.kind != "regression", "a classification drawn")
    assert thread.trainer.config.dataset == "classification"


def test_the_problem_kind_of_ones_own_data_is_switched_or_refused(window, tmp_path):
    """One's own file is read again as the other kind; a file that cannot be (text labels as a regression)
    is refused with the reason shown, and the run goes on unchanged."""
    viewer, thread = window
    rng = np.random.default_rng(3)
    numbers, words = tmp_path / "numbers.csv", tmp_path / "words.csv"
    X = rng.normal(size=(60, 2))
    numbers.write_text("x,y,label\n" + "".join(f"{a},{b},{int(a > 0) + int(b > 0)}\n" for a, b in X))
    words.write_text("x,y,label\n" + "".join(f"{a},{b},{'ab'[int(a > 0)]}\n" for a, b in X))
    for path, kind_after in ((numbers, "regression"), (words, "binary")):
        own = TrainingThread(nv.SklearnTrainer(nv.TrainingConfig(data_path=str(path), hidden=(3,))), viewer,
                             epochs_per_second=None)
        own.pause()
        previous, viewer.controls, viewer.gui.controls = viewer.controls, own, own
        own.start()
        try:
            frames_until(viewer, lambda: viewer.glide.target.architecture.layer_sizes == (2, 3, 3 - (path == words) * 2),
                         "the own data's network drawn")
            click(viewer, "problem:regression")
            if path == numbers:
                frames_until(viewer, lambda: viewer.glide.target.architecture.kind == "regression", "a regression drawn")
                assert own.trainer.config.problem == "regression"
                assert own.last_change == "problem regression: new data and a new network"
            else:
                frames_until(viewer, lambda: "not a number" in viewer.gui.message, "the refusal shown")
                assert own.trainer.config.problem is None and own.is_alive() and own.error is None
                own.step_once()
                frames_until(viewer, lambda: viewer.glide.target.epoch == 1, "training going on")
            assert viewer.glide.target.architecture.kind == kind_after
        finally:
            viewer.controls, viewer.gui.controls = previous, previous
            own.stop()
            own.join(10)


def test_an_idle_panel_is_not_rebuilt_but_a_change_from_elsewhere_shows(window):
    """Without input or change its ImGui frame is not built again; a change made by code (or a key) is."""
    viewer, thread = window
    panel = viewer.gui
    seen = []
    frames_until(viewer, lambda: seen.append(panel.builds) or seen[-4:] == [seen[-1]] * 4, "the panel settled")
    builds = panel.builds
    for _ in range(5):
        viewer.frame()
    assert panel.builds == builds, "an idle panel was built again"
    r = panel.widgets["alpha"]
    alpha = (slice(int(r.y), int(r.y + r.h)), slice(int(r.x), int(r.x + r.w)))
    viewer.draw()
    before = viewer.read_rgb()[alpha].astype(int)
    thread.change(alpha=0.5 if thread.trainer.config.alpha != 0.5 else 0.25)
    frames_until(viewer, lambda: panel.builds > builds, "the changed alpha built")
    viewer.draw()
    assert np.abs(viewer.read_rgb()[alpha].astype(int) - before).max() > 50, "the slider does not show the new alpha"
    thread.resume()  # as space does
    frames_until(viewer, lambda: "pause" in panel.widgets, "the pause button shown")
    thread.pause()
    frames_until(viewer, lambda: "play" in panel.widgets, "the play button shown")
