# The image of the HoneyHive Experiment action. GitHub builds it from this file on the runner for every job
# that uses the action (action.yml: `image: Dockerfile`), then runs it with the workspace mounted at
# /github/workspace (also the working directory: no WORKDIR here), the runner's file commands
# (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) under /github/file_commands and HOME=/github/home.
#
# Base image: python:3.11-slim-bookworm, pinned by the digest of its multi-arch index, so a rebuild never
# picks up a moved tag. This digest could not be resolved from the build machines here (no registry access);
# it is the one that many public Dockerfiles pin for this tag (found with a code search for
# "python:3.11-slim-bookworm@sha256:", one of them noting it is the multi-arch index). To bump it, resolve
# the tag and replace both lines below:
#   docker buildx imagetools inspect python:3.11-slim-bookworm   # "Digest:" of the index
FROM python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# ---- 1. the wheel, built exactly as `pip wheel . --no-deps` builds it in tests/test_packaging.py
FROM base AS wheel
WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
COPY templates ./templates
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# ---- 2. the runtime image
FROM base
LABEL org.opencontainers.image.title="honeyhive-experiment" \
      org.opencontainers.image.description="Run a HoneyHive experiment as a pull-request check" \
      org.opencontainers.image.licenses="MIT"

# git: the action finds a pull request's merge base with `git merge-base` (check out with fetch-depth: 0).
# safe.directory: on a self-hosted runner whose user is not uid 1001 the checkout is owned by another uid and
# git would refuse it as "dubious ownership"; the container is ephemeral and only ever sees this workspace.
# Debian package versions are deliberately not pinned (DL3008): GitHub rebuilds this image on every run, and a
# pinned version disappears from the archive with the next security update, which would break every user's
# workflow at once; the digest-pinned base fixes the Debian release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

# The user the action runs as (see USER below for why uid 1001), created before the virtualenv so that it owns
# /opt/venv: the `install` input adds the user's own requirements to this venv at run time, as this user. Building
# the venv as that user (rather than a `chown -R` afterwards) keeps every file in one layer instead of two.
RUN groupadd --gid 1001 honeyhive \
    && useradd --uid 1001 --gid 1001 --create-home --shell /usr/sbin/nologin honeyhive \
    && install -d -o 1001 -g 1001 /opt/venv

# Non-root, as uid 1001 — the uid of the `runner` user on GitHub-hosted Linux runners (standard and larger
# runners alike since December 2024) and in the actions-runner image that Actions Runner Controller uses.
# Why exactly that uid: GitHub documents that Docker actions should run as root ("Do not use the USER
# instruction ... you won't be able to access the GITHUB_WORKSPACE directory"), because the workspace and the
# file-command files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) belong to the runner's user and only it may write
# them. A container user with *that* uid can; any other non-root uid gets "Permission denied" on
# /github/file_commands/set_output_* (actions/hello-world-docker-action#16, actions/runner-images#10915,
# github-community-projects/stale-repos#101, which went back to root). Running as root instead would also
# work, but leaves root-owned files (report.json) in the workspace that later steps of a non-root runner cannot
# change (actions/runner#1282), and makes git see the checkout as another user's.
# Trade-off: a self-hosted runner whose service runs under another uid (or as root) cannot write the outputs
# from this image; the action then says so in one ::error:: line. Such users need a runner running as uid 1001
# (the ARC default) until a prebuilt image with a configurable user is published.
USER 1001:1001

# Dependency layer first: only pyproject.toml, so editing the code does not reinstall the dependencies.
# The requirements are pyproject's [project] dependencies, read with the standard library's tomllib.
# uv (pinned; its wheel carries the static binary) installs the `install` input's requirements in seconds where
# pip takes tens of seconds (benchmarks/bench_image.py). UV_LINK_MODE=copy: uv's cache (under HOME, another
# filesystem than /opt/venv) cannot be hard-linked from, and uv would warn about it on every run.
# UV_SYSTEM_CERTS: uv trusts the system's CA store, as pip (truststore) and git here do, instead of its own
# bundled roots; otherwise a CA added to the system store (a TLS-intercepting proxy) works for pip but not uv.
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    UV_LINK_MODE=copy \
    UV_SYSTEM_CERTS=1 \
    UV_PYTHON_DOWNLOADS=never
COPY --chown=1001:1001 pyproject.toml /tmp/pyproject.toml
RUN python -m venv /opt/venv \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt uv==0.13.9 \
    && rm /tmp/pyproject.toml /tmp/requirements.txt

# Then the code: the wheel from stage 1, without dependencies (they are in the layer above; pip check proves it).
COPY --from=wheel --chown=1001:1001 /dist /tmp/dist
RUN pip install --no-cache-dir --no-deps /tmp/dist/*.whl \
    && pip check \
    && rm -rf /tmp/dist

ENTRYPOINT ["/opt/venv/bin/python", "-P", "-m", "honeyhive_experiment", "action"]
