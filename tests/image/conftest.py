"""Session fixtures of the image tests: a Docker daemon, a stand-in base image, and the project's image.

No container registry is reachable where these tests run, so the Dockerfile's digest-pinned
``python:3.11-slim-bookworm`` cannot be pulled. ``base_rootfs.sh`` builds a stand-in from the Debian archive
(debootstrap + Debian's python3 3.11), and the project's Dockerfile is built with exactly one line changed: its
``FROM python:3.11-slim-bookworm@sha256:…`` line. Everything below that line is the Dockerfile GitHub builds.

Costs, paid once per machine: the base image (~70 s; the rootfs tarball and the image tag are both kept, see
``CACHE``), then a build of the Dockerfile (~30 s cold; Docker's layer cache makes later sessions rebuild only
what changed). The tests skip, saying why, where Docker is not available: no ``docker`` CLI, no daemon and no
root to start one, or a daemon that does not start. ``.ci/run`` installs and starts Docker in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BASE_ROOTFS_SCRIPT = Path(__file__).with_name("base_rootfs.sh")
CACHE = Path(os.environ.get("HONEYHIVE_IMAGE_TEST_CACHE", "/var/cache/honeyhive-experiment-image-test"))
BASE_TAG = "local/python:3.11-slim-bookworm"
IMAGE_TAG = "local/honeyhive-experiment:image-test"
PINNED_FROM = re.compile(r"^FROM python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}( AS base)$", re.MULTILINE)
# how the base's rootfs becomes an image: what python:3.11-slim sets that a rootfs tarball cannot carry
IMPORT_CHANGES = ("ENV LANG=C.UTF-8", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")


@dataclass(frozen=True)
class Docker:
    """The docker CLI, talking to a daemon that answers."""

    cli: str

    def __call__(
        self, *args: str | Path, check: bool = True, timeout: float = 300, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [self.cli, *map(str, args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            input=input_text,
            env={**os.environ, "DOCKER_BUILDKIT": "0"},  # the classic builder: BuildKit would want a registry
        )
        if check and done.returncode != 0:
            pytest.fail(f"docker {' '.join(map(str, args[:3]))} … exited {done.returncode}:\n{done.stderr[-3000:]}")
        return done


def _answers(cli: str) -> bool:
    return subprocess.run([cli, "info"], capture_output=True, check=False, timeout=60).returncode == 0


def _start_dockerd(cli: str, dockerd: str, flags: Sequence[str], log: Path) -> subprocess.Popen[bytes] | None:
    """Start dockerd and wait (30 s at most) until the CLI gets an answer; None (and stopped) if it never does."""
    with log.open("ab") as sink:
        process = subprocess.Popen([dockerd, *flags], stdout=sink, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if _answers(cli):
            return process
        time.sleep(0.5)
    process.terminate()
    process.wait(timeout=30)
    return None


@pytest.fixture(scope="session")
def docker() -> Iterator[Docker]:
    """A daemon that answers: the one running, or one this session starts (as root) and stops at its end."""
    cli = shutil.which("docker")
    if cli is None:
        pytest.skip("image tests need Docker: no docker CLI on PATH (.ci/run installs docker.io in CI, as root)")
    if _answers(cli):
        yield Docker(cli)
        return
    dockerd = shutil.which("dockerd")
    if os.geteuid() != 0 or dockerd is None:
        pytest.skip("image tests need Docker: no daemon answers, and starting dockerd needs root and dockerd installed")
    CACHE.mkdir(parents=True, exist_ok=True)
    log = CACHE / "dockerd.log"
    # the fallback flags are for kernels or sandboxes without iptables/bridges or overlayfs (image-check.sh's)
    for flags in ((), ("--iptables=false", "--bridge=none", "--storage-driver=vfs")):
        process = _start_dockerd(cli, dockerd, flags, log)
        if process is not None:
            break
    else:
        pytest.skip(f"image tests need Docker: dockerd does not start here (see {log})")
    yield Docker(cli)
    process.terminate()
    process.wait(timeout=60)


@pytest.fixture(scope="session")
def base_image(docker: Docker) -> str:
    """The stand-in for python:3.11-slim-bookworm; built once per machine (the tag existing means cached)."""
    if docker("image", "inspect", BASE_TAG, check=False).returncode == 0:
        return BASE_TAG
    tarball = CACHE / "base-rootfs.tar"
    if not tarball.is_file():
        if os.geteuid() != 0 or shutil.which("debootstrap") is None:
            pytest.skip(f"image tests need a base image: building {BASE_TAG} needs root and debootstrap")
        CACHE.mkdir(parents=True, exist_ok=True)
        log = CACHE / "base-rootfs.log"
        with log.open("w") as sink:
            built = subprocess.run(
                ["bash", str(BASE_ROOTFS_SCRIPT), str(tarball)], stdout=sink, stderr=subprocess.STDOUT, check=False
            )
        if built.returncode != 0:
            pytest.fail(f"base_rootfs.sh failed (exit {built.returncode}); see {log}")
    changes = [arg for change in IMPORT_CHANGES for arg in ("--change", change)]
    docker("import", *changes, "--change", 'CMD ["python3"]', tarball, BASE_TAG, timeout=600)
    return BASE_TAG


def local_dockerfile(original: str, base: str) -> str:
    """The Dockerfile with its pinned FROM line, and only that line, pointing at ``base``."""
    rewritten, count = PINNED_FROM.subn(rf"FROM {base}\1", original)
    assert count == 1, "the Dockerfile must have exactly one digest-pinned python:3.11-slim-bookworm FROM line"
    old, new = original.splitlines(), rewritten.splitlines()
    assert len(old) == len(new)
    assert sum(1 for a, b in zip(old, new, strict=True) if a != b) == 1
    return rewritten


@pytest.fixture(scope="session")
def image(docker: Docker, base_image: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The project's image, built once per session from the checkout (classic builder, host network: the RUN
    steps reach the Debian archive and PyPI)."""
    dockerfile = tmp_path_factory.mktemp("image") / "Dockerfile"
    dockerfile.write_text(local_dockerfile((REPO / "Dockerfile").read_text(encoding="utf-8"), base_image))
    docker("build", "--network", "host", "--file", dockerfile, "--tag", IMAGE_TAG, REPO, timeout=1200)
    return IMAGE_TAG
