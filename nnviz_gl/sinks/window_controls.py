"""The playground's control panel in the live window: change the run while it trains.

An optional extra (``pip install 'nnviz_gl[gui]'``: imgui-bundle, Dear ImGui 1.92). The panel is one
more :class:`~nnviz_gl.render.panels.Panel` of the window's scene, so it is drawn by the one draw path
(and recorded with the window); its ImGui frame is built in :meth:`ControlPanel.prepare` and drawn by
:class:`~nnviz_gl.render.imgui_pass.ImGuiPass` through a cached picture that is redrawn only when it
changes (:class:`~nnviz_gl.render.imgui_cache.CachedImGuiPass`). Changes go to the training thread
(:meth:`TrainingThread.change`): learning rate, alpha and batch size from the next epoch with the
weights kept; shape or data changes start a new network, and the panel says so. The window hands it
keys and typed characters too (``window_controls_keys``): while a value is typed the window's own keys
wait. Without the extra the window works with its keys, and its help says how to get the panel.
"""

from __future__ import annotations

import importlib.util
import time
from typing import Any

import moderngl

from ..features import FEATURES
from ..render.layout import FrameLayout
from ..render.panels import Panel
from ..render.transforms import Rect
from ..snapshot import ACTIVATIONS

SLIDERS = {  # option: (label, low, high, format, logarithmic)
    "learning_rate": ("learning rate", 1e-5, 1.0, "%.5f", True),
    "alpha": ("L2 (alpha)", 1e-6, 10.0, "%.6f", True),
    "noise": ("noise", 0.0, 1.0, "%.2f", False),
    "training_share": ("training share", 0.1, 0.9, "%.2f", False),  # of the points; the rest test (test_size)
}
PROBLEM_KINDS = ("classification", "regression")
_BUILDS_AFTER_INPUT = 4  # ImGui takes queued events a kind a frame (a press, then its release): build on


def _decimal(value: float) -> float:
    """ImGui's sliders hold float32: 0.075 typed arrives as 0.07500000298; keep the value that was meant."""
    import numpy as np

    return float(str(np.float32(value)))


def gui_available() -> bool:
    """Whether the optional control panel can be shown (imgui-bundle is installed)."""
    return importlib.util.find_spec("imgui_bundle") is not None


class ControlPanel(Panel):
    """Dear ImGui controls over the frame, driving ``controls`` (a :class:`TrainingThread`)."""

    def __init__(self, ctx: moderngl.Context, controls: Any, *, open: bool = False) -> None:
        super().__init__()
        from imgui_bundle import imgui

        from ..render.imgui_cache import CachedImGuiPass

        self.imgui = imgui
        self.controls = controls
        self.context = imgui.create_context()
        imgui.set_current_context(self.context)
        imgui.get_io().set_ini_filename("")  # no imgui.ini left in the user's folder
        self.gui = CachedImGuiPass(ctx)
        self.draw_data = None
        self.message = ""
        self._edits: dict[str, Any] = {}  # slider values being dragged, applied on release
        self.widgets: dict[str, Rect] = {}  # where each control was last drawn, frame pixels (hover, tests)
        self._last = time.perf_counter()
        self._input = _BUILDS_AFTER_INPUT  # frames still to build after the last input event
        self._built: tuple | None = None  # what the last built frame showed (see _state)
        self.builds = 0  # ImGui frames built (an idle, unchanged panel is not rebuilt)
        self._open_at_start = open  # folded to its title bar at first: it would cover the network

    def region(self, lay: FrameLayout) -> Rect:
        return Rect(0.0, 0.0, *lay.size)

    # -- input (the window forwards glfw's events; True: the panel took it) --------------------------
    def mouse_moved(self, x: float, y: float) -> None:
        self._current()
        self._input = _BUILDS_AFTER_INPUT
        self.imgui.get_io().add_mouse_pos_event(x, y)

    def mouse_button(self, button: int, pressed: bool) -> bool:
        self._current()
        self._input = _BUILDS_AFTER_INPUT
        io = self.imgui.get_io()
        if button < 3:
            io.add_mouse_button_event(button, pressed)
        return io.want_capture_mouse

    def key(self, key: int, action: int, mods: int) -> bool:
        """A glfw key event; True while a value is being typed (then the window's keys must not act)."""
        from .window_controls_keys import forward_key

        self._current()
        self._input = _BUILDS_AFTER_INPUT
        return forward_key(self.imgui.get_io(), key, action, mods)

    def char(self, codepoint: int) -> bool:
        from .window_controls_keys import forward_char

        self._current()
        self._input = _BUILDS_AFTER_INPUT
        return forward_char(self.imgui.get_io(), codepoint)

    def wheel(self, dx: float, dy: float) -> bool:
        self._current()
        self._input = _BUILDS_AFTER_INPUT
        io = self.imgui.get_io()
        io.add_mouse_wheel_event(dx, dy)
        return io.want_capture_mouse

    # -- a frame -----------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Build this frame's ImGui frame, unless nothing came in, nothing it shows changed and its last
        frames drew the same (ImGui settles a new layout over a frame or two): then the last one stands."""
        imgui = self.imgui
        state = self._state()
        if not self._input and state == self._built and self.gui.steady >= 2 and self.draw_data is not None:
            return
        self._input, self._built = max(0, self._input - 1), state
        self.builds += 1
        self._current()
        io = imgui.get_io()
        now = time.perf_counter()
        io.delta_time = min(max(now - self._last, 1e-4), 0.25)  # frames not built are no time ImGui missed
        self._last = now
        io.display_size = self.lay.size
        imgui.get_style().font_scale_main = max(0.8, self.lay.unit * 1.4)  # legible from 480p to 4K
        imgui.new_frame()
        self.build()
        imgui.render()
        self.draw_data = imgui.get_draw_data()

    def _state(self) -> tuple:
        """What the panel shows besides ImGui's own state: the run's config and status, the frame's size."""
        thread = self.controls
        return (thread.trainer.config, thread.paused, thread.last_change, self.message, self.lay.size, self.lay.unit)

    def draw(self, framebuffer: moderngl.Framebuffer, frame_size: tuple[int, int]) -> None:
        if self.draw_data is None:
            return
        self._current()
        self.gui.draw(self.draw_data, framebuffer, frame_size)

    def build(self) -> None:
        """The panel's widgets, from the run's current config; a change goes to the training thread."""
        imgui, thread = self.imgui, self.controls
        cfg = thread.trainer.config
        self.widgets.clear()  # only what this frame shows
        net = self.lay.network
        imgui.set_next_window_pos(imgui.ImVec2(net.x + net.w - 10, net.y + 10), imgui.Cond_.once,
                                  imgui.ImVec2(1.0, 0.0))
        imgui.set_next_window_collapsed(not self._open_at_start, imgui.Cond_.once)
        expanded, _ = imgui.begin("training controls", None, imgui.WindowFlags_.always_auto_resize)
        self._where("title")
        if not expanded:
            imgui.end()
            return
        if self._button("play" if thread.paused else "pause"):
            thread.resume() if thread.paused else thread.pause()
        imgui.same_line()
        if self._button("step"):
            thread.step_once()
        imgui.same_line()
        if self._button("reset"):
            thread.reinitialize()
            self.message = "new random weights, same data"
        imgui.separator_text("step")
        for name in ("learning_rate", "alpha"):
            self._slider(name, getattr(cfg, name))
        changed, batch = imgui.slider_int("batch size (0 auto)", self._edits.get("batch_size", cfg.batch_size or 0),
                                          0, 256)
        self._where("batch_size")
        self._edit("batch_size", changed, batch, lambda v: None if v == 0 else v)
        imgui.separator_text("network")
        activation = self._combo("activation", ACTIVATIONS, cfg.activation)
        if activation is not None:
            self._change(activation=activation)
        self._layers(cfg.hidden)
        imgui.text("inputs")
        for i, name in enumerate(FEATURES):
            if i % 4:
                imgui.same_line()
            changed, on = imgui.checkbox(name, name in cfg.features)
            self._where(f"feature:{name}")
            if changed:
                features = tuple(f for f in FEATURES if (f in cfg.features) != (f == name))
                if features:
                    self._change(features=features)
        imgui.separator_text("data")
        self._data(cfg)
        if thread.last_change or self.message:
            imgui.text_wrapped(self.message or thread.last_change)
        imgui.end()

    def _layers(self, hidden: tuple[int, ...]) -> None:
        imgui = self.imgui
        imgui.text(f"hidden layers: {len(hidden)}")
        imgui.same_line()
        if self._button("+##layers", small=True) and len(hidden) < 6:
            self._change(hidden=hidden + (hidden[-1] if hidden else 4,))
        imgui.same_line()
        if self._button("-##layers", small=True):
            self._change(hidden=hidden[:-1])
        for i, width in enumerate(hidden):
            imgui.text(f"  layer {i + 1}: {width} neurons")
            imgui.same_line()
            if self._button(f"+##n{i}", small=True) and width < 64:
                self._change(hidden=hidden[:i] + (width + 1,) + hidden[i + 1:])
            imgui.same_line()
            if self._button(f"-##n{i}", small=True) and width > 1:
                self._change(hidden=hidden[:i] + (width - 1,) + hidden[i + 1:])

    def _data(self, cfg) -> None:
        from ..training.datasets import DATASETS, DEFAULT_NOISE, MULTICLASS_DATASETS

        imgui = self.imgui
        if cfg.data_path is None:
            dataset = self._combo("dataset", DATASETS, cfg.dataset)
            if dataset is not None:
                self._change(dataset=dataset, classes=None, noise=None, problem=None)
            if cfg.dataset in MULTICLASS_DATASETS:
                classes = self._edits.get("classes", cfg.classes or MULTICLASS_DATASETS[cfg.dataset])
                changed, classes = imgui.slider_int("classes", classes, 2, 10)
                self._where("classes")
                self._edit("classes", changed, classes, int)
            noise = cfg.noise if cfg.noise is not None else DEFAULT_NOISE[cfg.dataset]
            self._slider("noise", noise)
        else:
            imgui.text(f"data: {cfg.data_path}")
        self._slider("training_share", 1.0 - cfg.test_size, option="test_size",
                     convert=lambda share: round(1.0 - _decimal(share), 6))
        imgui.text("problem:")
        kind = "regression" if self.controls.trainer.dataset.kind == "regression" else "classification"
        for name in PROBLEM_KINDS:
            imgui.same_line()
            if imgui.radio_button(name, name == kind) and name != kind:
                self._problem(cfg, name)
            self._where(f"problem:{name}")

    def _problem(self, cfg, kind: str) -> None:
        """One's own data is read again as the other kind; a built-in dataset has one kind, so the first
        dataset of the other kind is taken instead, and the panel says so."""
        from ..training.datasets import DATASETS, REGRESSION_DATASETS

        if cfg.data_path is not None:
            self._change(problem=kind)
            return
        dataset = next(d for d in DATASETS if (d in REGRESSION_DATASETS) == (kind == "regression"))
        if self._change(dataset=dataset, classes=None, noise=None, problem=None):
            self.message = (f"{cfg.dataset} is a {'regression' if kind == 'classification' else 'classification'} "
                            f"dataset only: switched to {dataset} (new data and a new network)")

    # -- helpers -----------------------------------------------------------------------------------
    def _button(self, label: str, small: bool = False) -> bool:
        pressed = (self.imgui.small_button if small else self.imgui.button)(label)
        self._where(label)
        return pressed

    def _where(self, name: str) -> None:
        low, high = self.imgui.get_item_rect_min(), self.imgui.get_item_rect_max()
        self.widgets[name] = Rect(low.x, low.y, high.x - low.x, high.y - low.y)

    def _combo(self, name: str, options: tuple[str, ...], current: str) -> str | None:
        """A drop-down of ``options``; the one chosen when it is not ``current``."""
        imgui, chosen = self.imgui, None
        opened = imgui.begin_combo(name, current)
        self._where(name)
        if opened:
            for option in options:
                if imgui.selectable(option, option == current)[0] and option != current:
                    chosen = option
                self._where(f"{name}:{option}")
            imgui.end_combo()
        return chosen

    def _slider(self, name: str, value: float, option: str | None = None, convert=None) -> None:
        """A float slider (drag, or ctrl-click and type) changing ``option`` (default ``name``)."""
        label, low, high, fmt, log = SLIDERS[name]
        flags = self.imgui.SliderFlags_.logarithmic if log else 0
        changed, value = self.imgui.slider_float(label, self._edits.get(name, value), low, high, fmt, flags)
        self._where(name)
        self._edit(name, changed, value, convert or _decimal, option)

    def _edit(self, name: str, changed: bool, value: Any, convert, option: str | None = None) -> None:
        """A dragged or typed value shows at once and is applied when the slider is let go (or Enter)."""
        if changed:
            self._edits[name] = value
        if self.imgui.is_item_deactivated_after_edit() and name in self._edits:
            self._change(**{option or name: convert(self._edits.pop(name))})

    def _change(self, **options: Any) -> bool:
        """Ask the training thread for a change; False (and the reason shown) when it is refused."""
        self.message = ""
        try:
            self.controls.change(**options)
        except ValueError as error:
            self.message = str(error)
            return False
        return True

    def _current(self) -> None:
        self.imgui.set_current_context(self.context)

    def release(self) -> None:
        self._current()
        self.gui.release()
        self.imgui.destroy_context(self.context)
