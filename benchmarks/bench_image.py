"""Benchmark: the action's image — a cold build, its size, and what the ``install`` input costs, uv against pip.

Run as root with Docker and the stand-in base image that the image tests build (``python -m pytest -m image``
first; see tests/image/conftest.py: no registry is reachable here, so the base is made with debootstrap):

* **build**: ``docker build --no-cache`` of the Dockerfile (only its FROM line rewritten to the stand-in base),
  classic builder, host network; then the same build again with the layer cache (the baseline: what a rebuild
  with nothing changed costs), and the image's size.
* **first datapoint**: the time from ``docker run`` (container start included) to the first call of the user's
  function, in a job run as the GitHub runner runs it (tests/image/runner.py), for an app whose function
  imports 10 pure-Python packages from PyPI listed in its requirements.txt (``install: -r requirements.txt``).
  The function writes the wall-clock time of its first call into the workspace; host and container share the
  clock. Three variants, interleaved, ``--repeat`` times each: **none** (no install input and no imports: the
  floor), **uv** (the image as built: uv is there) and **pip** (the same image with the uv binary removed inside
  the container, so the action falls back to ``pip install``). Every run starts a fresh container, so no
  installer cache survives between runs, as on a runner.

Prints medians and the ratios pip/uv, of the whole start-to-first-datapoint time and of the install's share
(the variant minus **none**). Needs PyPI (the packages and uv's/pip's index requests).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.image.conftest import BASE_TAG, Docker, local_dockerfile  # noqa: E402 - after the path
from tests.image.runner import Job, checkout, local_backend  # noqa: E402

IMAGE_TAG = "local/honeyhive-experiment:bench"
# 10 small pure-Python distributions outside the action's own dependency closure (versions pinned so runs compare)
REQUIREMENTS = {
    "humanize==4.17.0": "humanize",
    "tabulate==0.10.0": "tabulate",
    "toolz==1.2.0": "toolz",
    "more-itertools==11.2.1": "more_itertools",
    "attrs==26.1.0": "attrs",
    "tqdm==4.70.1": "tqdm",
    "python-dateutil==4.0.0": "dateutil",
    "pytz==2026.6": "pytz",
    "cachetools==8.0.2": "cachetools",
    "jmespath==1.1.0": "jmespath",
}
ENTRYPOINT = "exec /opt/venv/bin/python -m honeyhive_experiment action"
VARIANTS = {
    "none": ((ENTRYPOINT,), {}),
    "uv": ((ENTRYPOINT,), {"install": "-r requirements.txt"}),
    "pip": (("rm /opt/venv/bin/uv", ENTRYPOINT), {"install": "-r requirements.txt"}),
}


def make_app(root: Path, *, imports: bool) -> Path:
    """An experiment whose function records the time of its first call (in ``first_call.txt``)."""
    (root / ".honeyhive").mkdir(parents=True)
    (root / "data").mkdir()
    (root / ".honeyhive" / "experiment.yml").write_text(
        "name: bench-image\nfunction: app:answer\ndataset:\n  path: data/rows.jsonl\n"
        "evaluators:\n  - app:nonempty\nmax_workers: 1\ningestion: {timeout: 30}\n"
    )
    (root / "data" / "rows.jsonl").write_text("".join(f'{{"inputs": {{"n": {i}}}}}\n' for i in range(3)))
    (root / "requirements.txt").write_text("".join(f"{spec}\n" for spec in REQUIREMENTS))
    modules = "".join(f"import {name}  # noqa: F401\n" for name in REQUIREMENTS.values()) if imports else ""
    (root / "app.py").write_text(
        "import os\nimport time\n" + modules + "\n\ndef answer(datapoint):\n"
        "    try:\n"
        "        fd = os.open('first_call.txt', os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)\n"
        "    except FileExistsError:\n"
        "        return {'answer': 'ok'}\n"
        "    os.write(fd, repr(time.time()).encode())\n"
        "    os.close(fd)\n"
        "    return {'answer': 'ok'}\n\n\n"
        "def nonempty(outputs, inputs, ground_truth=None):\n"
        "    return bool(outputs.get('answer'))\n"
    )
    return root


def build(docker: Docker, work: Path, *, cold: bool) -> float:
    dockerfile = work / "Dockerfile"
    dockerfile.write_text(local_dockerfile((REPO / "Dockerfile").read_text(encoding="utf-8"), BASE_TAG))
    flags = ["--no-cache"] if cold else []
    start = time.perf_counter()
    args = ("build", *flags, "--network", "host", "--file", dockerfile, "--tag", IMAGE_TAG, REPO)
    done = docker(*args, check=False, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"docker build failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def first_datapoint(docker: Docker, work: Path, backend_url: str, variant: str, app: Path, run: int) -> float:
    script, inputs = VARIANTS[variant]
    job = Job(work / f"{variant}-{run}", backend_url=backend_url)
    base_sha, _ = checkout(app, job.workspace)
    start = time.time()
    done = job.run(docker, IMAGE_TAG, event="push", sha=base_sha, inputs={**inputs, "dry-run": "true"}, command=script)
    stamp = job.workspace / "first_call.txt"
    if done.returncode != 0 or done.outputs.get("verdict") not in ("neutral", "pass") or not stamp.is_file():
        raise SystemExit(f"{variant} run {run} did not get to its datapoints (exit {done.returncode}):\n{done.log}")
    if variant != "none" and f"Installed your dependencies with {variant}" not in done.log:
        raise SystemExit(f"{variant} run {run} did not install with {variant}:\n{done.log}")
    return float(stamp.read_text()) - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each variant, interleaved (default 3)")
    parser.add_argument("--skip-build", action="store_true", help="reuse the image built by an earlier run")
    args = parser.parse_args()
    cli = shutil.which("docker")
    if cli is None:
        raise SystemExit("needs the docker CLI and a daemon (see tests/image/conftest.py)")
    docker = Docker(cli)
    if docker("image", "inspect", BASE_TAG, check=False).returncode != 0:
        raise SystemExit(f"no {BASE_TAG}: run `python -m pytest -m image` once to build it")

    with tempfile.TemporaryDirectory(prefix="bench-image-") as folder:
        work = Path(folder)
        if not args.skip_build:
            cold = build(docker, work, cold=True)
            cached = build(docker, work, cold=False)
            print(f"build: cold {cold:.1f} s, cached rebuild {cached:.1f} s (cold/cached x{cold / cached:.1f})")
        size = int(docker("image", "inspect", "--format", "{{.Size}}", IMAGE_TAG).stdout)
        print(f"image size: {size / 1e6:.0f} MB")

        apps = {True: make_app(work / "app", imports=True), False: make_app(work / "app-bare", imports=False)}
        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        with local_backend(work / "hh.sqlite") as url:
            for run in range(args.repeat):
                for variant in VARIANTS:
                    seconds = first_datapoint(docker, work, url, variant, apps[variant != "none"], run)
                    times[variant].append(seconds)
                    print(f"  run {run + 1} {variant:>4}: first datapoint after {seconds:.2f} s", flush=True)

    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\nstart to first datapoint, median of {args.repeat} (10 packages in requirements.txt):")
    for name, value in median.items():
        print(f"  {name:>4}: {value:6.2f} s  (min {min(times[name]):.2f} s)")
    install = {name: median[name] - median["none"] for name in ("uv", "pip")}
    print(f"  install's share: uv {install['uv']:.2f} s, pip {install['pip']:.2f} s")
    print(f"ratio pip/uv: start to first datapoint x{median['pip'] / median['uv']:.2f}", end="")
    if install["uv"] > 0:
        print(f", install alone x{install['pip'] / install['uv']:.1f}")
    else:
        print()


if __name__ == "__main__":
    main()
