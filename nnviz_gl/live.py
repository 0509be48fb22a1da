"""``watch``: train a network and show it live in a window, training on its own thread.

The window must own the main thread (glfw requires it on macOS), so training runs in a
:class:`~nnviz_gl.training.bus.TrainingThread` that publishes each epoch to the window; the window
draws at the display's pace whatever is latest.
"""

from __future__ import annotations

import sys
from typing import Any

from .sinks.window import WINDOW_FIELD_SCALE, Viewer, ViewerStats
from .snapshot import Snapshot
from .training.bus import TrainingThread
from .training.trainer import SklearnTrainer, TrainingConfig


class ViewerFeed:
    """The training thread's bus: snapshots and changed data to a viewer (the window, a notebook's view);
    pauses once at ``pause_at``.

    Runs on the training thread, where reading ``trainer.dataset`` is safe. Its ``close()`` (training
    ended) leaves the window open: the user closes it.
    """

    def __init__(self, viewer: Viewer, trainer: SklearnTrainer, pause_at: int | None) -> None:
        self.viewer = viewer
        self.trainer = trainer
        self.pause_at = pause_at
        self.thread: TrainingThread | None = None
        self._data_version: object = None
        self._armed = True

    def publish(self, snapshot: Snapshot) -> None:
        version = snapshot.extra.get("data_version")
        if version != self._data_version:
            self._data_version = version
            d = self.trainer.dataset
            self.viewer.set_data(d.X_train, d.y_train, d.X_test, d.y_test)
        self.viewer.publish(snapshot)
        if self.pause_at is not None and self.thread is not None:
            if snapshot.epoch < self.pause_at:
                self._armed = True  # a re-initialised network pauses again when it gets there
            elif self._armed:
                self._armed = False
                self.thread.pause()

    def close(self) -> None:
        pass


def watch(
    config: TrainingConfig | None = None,
    *,
    size: tuple[int, int] = (1280, 720),
    duration: float | None = None,
    speed: float | None = 30.0,
    field_scale: float = WINDOW_FIELD_SCALE,
    vsync: bool = True,
    output_dir: str = ".",
    print_summary: bool = True,
    controls_panel: bool = True,
    title: str | None = None,
    neuron_fields: bool | None = None,
    view: tuple[float, float, float, float] | None = None,
    **training_options: Any,
) -> ViewerStats:
    """Open a window and watch a network train until it is closed or ``duration`` seconds pass.

    Training options are :class:`TrainingConfig`'s (``dataset``, ``n_samples``, ``hidden``,
    ``activation``, ``epochs``, ...), given as a config or as keywords. Training pauses after
    ``epochs`` epochs (space trains on). ``speed`` is epochs per second (``None``: as fast as training
    goes). Prints and returns the summary ``frames=N seconds=S fps=F epochs=E``; ``epochs`` counts the
    epochs trained during the run. ``controls_panel`` shows the playground's control panel where the
    ``nnviz_gl[gui]`` extra is installed. ``view`` (x0, x1, y0, y1) fixes the field panel's data rectangle
    (the wheel still zooms, 0 comes back to it); by default it follows the data.
    """
    if config is not None and training_options:
        raise ValueError("pass either a TrainingConfig or training keywords, not both")
    config = config if config is not None else TrainingConfig(**training_options)
    trainer = SklearnTrainer(config)
    # The window first: no display, or too old an OpenGL, is reported before any training starts.
    viewer = Viewer(size, title=f"nnviz-gl · {config.dataset} · {'-'.join(map(str, config.hidden))}",
                    field_scale=field_scale, vsync=vsync, output_dir=output_dir, neuron_fields=neuron_fields,
                    view=view)
    viewer.scene.title.title = title  # one's own caption: "TITLE · epoch N"
    try:
        feed = ViewerFeed(viewer, trainer, pause_at=config.epochs)
        thread = TrainingThread(trainer, feed, epochs_per_second=speed)
        feed.thread = thread
        viewer.controls = thread
        if controls_panel:
            viewer.add_controls_panel()
        thread.start()
        try:
            stats = viewer.run(duration, stop_when=lambda: thread.error is not None)
        finally:
            thread.stop()
            thread.join(timeout=10)  # re-raises a training error
        stats = ViewerStats(stats.frames, stats.seconds, thread.epochs_run)
    finally:
        viewer.release()
    if print_summary:
        print(stats.line(), file=sys.stdout, flush=True)
    return stats
