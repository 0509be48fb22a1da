"""Notebooks: a finished video inline (:func:`show`) and a training run live (:class:`NotebookView`, the
``nnviz_gl[notebook]`` extra). Each is imported on first use from ``nnviz_gl``."""
