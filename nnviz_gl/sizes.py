"""The one size check: a frame, a window and a video all refuse a bad size in the same words. No GL."""

from __future__ import annotations

SMALLEST = 64  # below this a frame's panels and text no longer fit


class SizeError(ValueError):
    """A size that cannot be drawn or encoded; the message says what was asked and what would work."""


def check_size(size: object, *, what: str = "size", max_size: tuple[int, int] | None = None,
               even: bool = False, smallest: int = SMALLEST) -> tuple[int, int]:
    """(width, height) as ints, or :class:`SizeError`: not two whole numbers, not positive, below
    ``smallest``, beyond ``max_size`` (the GPU's largest framebuffer), or odd where ``even`` (yuv420p)."""
    try:
        w, h = (int(v) for v in size)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise SizeError(f"{what} must be two whole numbers (width, height), got {size!r}") from None
    if w <= 0 or h <= 0:
        raise SizeError(f"{what} must be positive, got {w}x{h}")
    if w < smallest or h < smallest:
        raise SizeError(f"{what} {w}x{h} is too small to draw a frame; the smallest is {smallest}x{smallest}")
    if max_size and (w > max_size[0] or h > max_size[1]):
        raise SizeError(f"{what} {w}x{h} is larger than this GPU's largest framebuffer {max_size[0]}x{max_size[1]}")
    if even and (w % 2 or h % 2):
        raise SizeError(f"{what} {w}x{h} has an odd side; yuv420p needs even width and height "
                        f"(try {w + w % 2}x{h + h % 2})")
    return w, h
