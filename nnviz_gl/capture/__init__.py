"""Snapshots from other training frameworks. Each framework lives in its own module, imported on demand,
so importing nnviz_gl never imports torch."""
