"""Typing into the control panel (the nnviz_gl[gui] extra) with real X key events (xdotool): a ctrl-clicked
slider takes a typed value, which reaches the trainer; while a value is typed the window's own keys
(space pauses, 1-9 pick a class, Esc closes) do nothing, and once it is entered they work again."""

from __future__ import annotations

import shutil

import pytest
from polling import poll_until
from window_helpers import xdotool

pytest.importorskip("imgui_bundle")
pytestmark = pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")

from test_window_controls import click, frames_until, open_window, stepped, weights, x_window  # noqa: E402


@pytest.fixture(scope="module")
def window(display):
    yield from open_window("nnviz-gl controls keys test", focus=True)


def keys(viewer, *names: str) -> None:
    """Press and release each key, the window's loop running between them (ImGui reads a key a frame)."""
    for name in names:
        xdotool("key", "--window", x_window(viewer), name)
        frames_until(viewer, lambda: True, "")
        for _ in range(2):
            viewer.frame()


def test_a_typed_learning_rate_reaches_the_trainer_and_the_window_keys_wait(window):
    viewer, thread = window
    assert thread.paused
    click(viewer, "learning_rate", ctrl=True)
    frames_until(viewer, lambda: viewer.gui.imgui.get_io().want_capture_keyboard, "the slider's text input")
    keys(viewer, "ctrl+a", "0", "period", "0", "space", "4", "BackSpace", "BackSpace", "7", "5", "Escape")
    # Escape cancelled the typing and did not close the window; space did not resume the run
    assert not viewer.closing and thread.paused and viewer.input.pick is None
    assert thread.trainer.config.learning_rate != 0.075
    click(viewer, "learning_rate", ctrl=True)
    frames_until(viewer, lambda: viewer.gui.imgui.get_io().want_capture_keyboard, "the slider's text input")
    keys(viewer, "ctrl+a", "0", "period", "0", "7", "5", "space", "Return")
    frames_until(viewer, lambda: thread.trainer.config.learning_rate == 0.075,
                 f"the typed learning rate: {thread.trainer.config.learning_rate}, {thread.last_change}")
    assert thread.last_change == "learning rate 0.075 from the next epoch (weights kept)"
    assert thread.paused, "space typed into the value paused or resumed the run"
    assert viewer.input.pick is None, "keys 5 and 7 typed into the value picked a class"
    assert not viewer.closing
    frames_until(viewer, lambda: not viewer.gui.imgui.get_io().want_capture_keyboard, "the text input closed")
    keys(viewer, "space")  # the value entered, the window's keys are its own again
    frames_until(viewer, lambda: not thread.paused, "space resuming the run")
    thread.pause()


def type_value(viewer, name: str, text: str) -> None:
    """Ctrl-click the slider ``name``, replace its value with ``text`` and press Enter."""
    click(viewer, name, ctrl=True)
    frames_until(viewer, lambda: viewer.gui.imgui.get_io().want_capture_keyboard, f"{name}'s text input")
    keys(viewer, "ctrl+a", *[{".": "period"}.get(c, c) for c in text], "Return")
    frames_until(viewer, lambda: not viewer.gui.imgui.get_io().want_capture_keyboard, f"{name}'s value entered")


@pytest.mark.parametrize("name, typed, option, value", [
    ("alpha", "0.02", "alpha", 0.02),
    ("batch_size", "16", "batch_size", 16),
])
def test_alpha_and_batch_size_reach_the_trainer_with_the_weights_kept(window, name, typed, option, value):
    viewer, thread = window
    epoch = stepped(viewer, thread)
    before = weights(thread)
    type_value(viewer, name, typed)
    frames_until(viewer, lambda: getattr(thread.trainer.config, option) == value, f"{option} {value}")
    frames_until(viewer, lambda: thread.last_change.endswith("from the next epoch (weights kept)"), "the message")
    model = thread.trainer.model
    assert (model.alpha, model.batch_size)[("alpha", "batch_size").index(option)] == value
    assert all((a == b).all() for a, b in zip(weights(thread), before)), "the weights changed"
    assert viewer.glide.target.epoch == epoch


@pytest.mark.parametrize("name, typed, check", [
    ("noise", "0.15", lambda cfg, data: cfg.noise == 0.15),
    ("training_share", "0.75", lambda cfg, data: cfg.test_size == 0.25 and len(data.X_test) == 30),
])
def test_noise_and_training_share_make_new_data_and_say_so(window, name, typed, check):
    viewer, thread = window
    stepped(viewer, thread)
    type_value(viewer, name, typed)
    frames_until(viewer, lambda: check(thread.trainer.config, thread.trainer.dataset), f"the typed {name}: {viewer.gui.message} {thread.last_change} {thread.trainer.config}")
    frames_until(viewer, lambda: viewer.glide.target.epoch == 0, "the new network drawn")
    assert thread.last_change.endswith(": new data and a new network")
