"""The README's pictures, made by the project itself: a short looping GIF and its last frame of each dataset
and problem kind in docs/gallery/ (``nnviz-gl render ... -o NAME.gif --last-frame NAME.png``), and the
README's larger frames in docs/problems/ (docs/problem_frames.py, the default run's among them).

    .venv/bin/python docs/gallery.py                    # docs/gallery/*.gif|png and docs/problems/*.png
    .venv/bin/python docs/gallery.py --size 160,90 --epochs 20 --out /tmp/g --problems-out /tmp/p

Each GIF is a built-in training run (the command line's defaults for its dataset: 300 epochs), every
10th epoch drawn, at 384x216 and 10 fps: about 3 s, a few hundred KB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import problem_frames  # beside this file: the README's frames of each problem kind

HERE = Path(__file__).resolve().parent

# file name -> (caption, the render's options)
GALLERY = {
    "classification": ("the seed's run", []),
    "moons": ("moons", ["--dataset", "moons"]),
    "circles": ("circles", ["--dataset", "circles"]),
    "xor": ("xor", ["--dataset", "xor"]),
    "spiral": ("spiral", ["--dataset", "spiral"]),
    "blobs5": ("5 blobs", ["--dataset", "blobs", "--classes", "5"]),
    "spiral3": ("3 spiral arms", ["--dataset", "spiral", "--classes", "3"]),
    "regression": ("a regression", ["--dataset", "reg-gauss"]),
    "features": ("x1², x2², no hidden layer", ["--dataset", "circles", "--features", "x1^2,x2^2", "--hidden", "none"]),
}


def render_gif(name: str, size: str, epochs: int, every: int, fps: float, out: Path) -> list[Path]:
    """One gallery entry through the command line: NAME.gif and its last frame NAME.png."""
    gif, png = out / f"{name}.gif", out / f"{name}.png"
    command = [sys.executable, "-m", "nnviz_gl.cli", "render", *GALLERY[name][1], "--epochs", str(epochs),
               "-r", size, "--every", str(every), "--fps", f"{fps:g}", "--no-progress",
               "-o", str(gif), "--last-frame", str(png)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return [gif, png]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="384,216", help="the GIFs' width,height (default 384,216)")
    parser.add_argument("--epochs", type=int, default=300, help="epochs of each run (default 300)")
    parser.add_argument("--every", type=int, default=10, help="draw every K-th epoch (default 10)")
    parser.add_argument("--fps", type=float, default=10, help="the GIFs' frame rate (default 10)")
    parser.add_argument("--problems-size", default="640,360", help="the README's frames (default 640,360)")
    parser.add_argument("--out", default=str(HERE / "gallery"), help="folder for the GIFs and their stills")
    parser.add_argument("--problems-out", default=str(HERE / "problems"), help="folder for the README's frames")
    args = parser.parse_args()
    out, problems = Path(args.out), Path(args.problems_out)
    out.mkdir(parents=True, exist_ok=True)
    problems.mkdir(parents=True, exist_ok=True)
    written = []
    for name in GALLERY:
        written += render_gif(name, args.size, args.epochs, args.every, args.fps, out)
        print(written[-2], written[-1])
    frame_size = tuple(int(v) for v in args.problems_size.split(","))
    for name in problem_frames.RUNS:
        written.append(problem_frames.render(name, frame_size, args.epochs, problems))
        print(written[-1])
    total = sum(p.stat().st_size for p in written)
    print(f"{len(written)} files, {total / 1e6:.2f} MB in all")


if __name__ == "__main__":
    main()
