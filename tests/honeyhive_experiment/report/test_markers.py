"""``report.markers``: the hidden HTML comments, written and read back by one module."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from honeyhive_experiment import github
from honeyhive_experiment.paths import DEFAULT_CONFIG_PATH
from honeyhive_experiment.report import (
    comment_head_sha,
    comment_metadata,
    earlier_marker,
    marker,
    parse_comment_metadata,
)
from honeyhive_experiment.report import (
    markers as markers_module,
)
from tests.honeyhive_experiment.report.scenarios import (
    HEAD_SHA,
    RUN_ID,
    SCENARIOS,
    render_comment,
)

pytestmark = pytest.mark.unit


STRICT = ".honeyhive/strict.yml"
IN_A_FOLDER = "services/bot/.honeyhive/experiment.yml"  # working-directory: services/bot, its default file


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        (DEFAULT_CONFIG_PATH, DEFAULT_CONFIG_PATH, True),
        (STRICT, STRICT, True),
        # two experiment files under one name: a comment each (they shared one, the last job's verdict shown)
        (DEFAULT_CONFIG_PATH, STRICT, False),
        (DEFAULT_CONFIG_PATH, IN_A_FOLDER, False),
        (STRICT, ".honeyhive/smoke.yml", False),
        # a name that is not UTF-8 (its bytes read as lone surrogates): keyed, not a traceback, and told apart
        ("x\udcff.yml", "x\udcff.yml", True),
        ("x\udcff.yml", "x\udcfe.yml", False),
        ("x\udcff.yml", "x\xff.yml", False),
    ],
)
def test_the_marker_is_a_hidden_comment_keyed_by_the_experiment_file(one: str, other: str, same: bool) -> None:
    """Keyed by the file alone: a file whose name cannot be read (it no longer parses) still finds its comment."""
    assert re.fullmatch(r"<!-- honeyhive-experiment:v1 file=[0-9a-f]{16} -->", marker(one))
    assert (marker(one) == marker(other)) is same


def test_a_variant_keys_the_marker_beside_the_file_and_none_keeps_the_files_own() -> None:
    """The legs of a matrix over one file (variant: ${{ matrix.model }}) keep a comment each; without a variant
    the marker is the one every comment of the file carried before (sha256 of the path), so those are still found."""
    unkeyed = hashlib.sha256(DEFAULT_CONFIG_PATH.encode()).hexdigest()[:16]
    assert (
        marker(DEFAULT_CONFIG_PATH)
        == marker(DEFAULT_CONFIG_PATH, "")
        == f"<!-- honeyhive-experiment:v1 file={unkeyed} -->"
    )
    keyed = {marker(file, key) for file in (DEFAULT_CONFIG_PATH, STRICT) for key in ("", "gpt-4o", "claude")}
    assert len(keyed) == 6
    assert marker(STRICT, "gpt-4o") == marker(STRICT, "gpt-4o")
    assert re.fullmatch(r"<!-- honeyhive-experiment:v1 file=[0-9a-f]{16} -->", marker(STRICT, "a -- > b"))


def test_the_earlier_marker_is_the_name_alone_as_before_the_file_counted() -> None:
    """An open pull request's comment written by an earlier version (keyed by sha256 of the name) is still found;
    no comment of this version carries it."""
    assert earlier_marker("support-bot") == "<!-- honeyhive-experiment:v1 key=fd825d2dc3d5d8c6 -->"
    assert earlier_marker("support-bot") not in marker(DEFAULT_CONFIG_PATH)


def test_comment_metadata_round_trips() -> None:
    body = f"{marker(DEFAULT_CONFIG_PATH)}\n{comment_metadata(HEAD_SHA, RUN_ID)}\n### x\n"
    assert parse_comment_metadata(body) == {"head": HEAD_SHA, "run": RUN_ID}
    assert parse_comment_metadata(comment_metadata(None, RUN_ID)) == {"run": RUN_ID}
    assert parse_comment_metadata("no metadata here") == {}


def test_a_posted_comment_names_the_workflow_run_attempt_that_posted_it() -> None:
    """Matrix legs on one experiment file share its comment: the attempt tells another job's run from a re-run's."""
    body = f"{marker(DEFAULT_CONFIG_PATH)}\n{comment_metadata(HEAD_SHA, RUN_ID)}\n### x\n"
    url = "https://github.com/acme/bot/actions/runs/9001/attempts/2"

    posted = markers_module.stamped(body, url)

    assert (
        posted == f"{body}\n<!-- honeyhive-experiment:posted workflow=9001.2 -->\n"
    )  # after the rest, its metadata kept
    assert markers_module.posted_by(posted) == "9001.2"
    assert parse_comment_metadata(posted) == parse_comment_metadata(body)
    assert markers_module.stamped(body, None) == body
    assert markers_module.posted_by(body) is None
    # the attempt unknown (no GITHUB_RUN_ATTEMPT): stamped all the same, which audit81 #6 found it was not
    unknown = markers_module.stamped(body, "https://github.com/acme/bot/actions/runs/9001")
    assert unknown.endswith("\n<!-- honeyhive-experiment:posted workflow=9001.? -->\n")
    assert markers_module.posted_by(unknown) == "9001.?"


def test_comment_metadata_cannot_close_the_html_comment() -> None:
    meta = comment_metadata("abc --> <script>", "run id--><b>")
    assert meta.count("-->") == 1
    assert meta.endswith(" -->")
    assert "<script" not in meta
    assert parse_comment_metadata(meta) == {"head": "abc-script", "run": "runid-b"}


@pytest.mark.parametrize(
    ("head", "run", "expected"),
    [
        (HEAD_SHA, RUN_ID, {"head": HEAD_SHA, "run": RUN_ID}),
        (HEAD_SHA.upper(), None, {"head": HEAD_SHA.upper()}),
        (None, None, {}),
        ("", "-", {}),  # "-" is how an absent value is written
        ("refs/heads/main", "run:1.2_3", {"head": "refsheadsmain", "run": "run:1.2_3"}),
        ("a -- b", "x--->y", {"head": "a-b", "run": "x-y"}),
        ("h" * 150, "r=1", {"head": "h" * 100, "run": "r1"}),
    ],
)
def test_markers_parse_what_they_write(head: str | None, run: str | None, expected: dict[str, str]) -> None:
    body = f"{marker(DEFAULT_CONFIG_PATH)}\n{comment_metadata(head, run)}\n### x\n"
    assert parse_comment_metadata(body) == expected


@given(st.none() | st.text(), st.none() | st.text())
def test_whatever_is_written_is_one_hidden_comment_that_reads_back_to_itself(head: str | None, run: str | None) -> None:
    meta = comment_metadata(head, run)
    assert meta.count("-->") == 1
    assert "\n" not in meta
    found = parse_comment_metadata(f"before\n{meta}\nafter -->\n")
    assert set(found) <= {"head", "run"}
    assert comment_metadata(found.get("head"), found.get("run")) == meta


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (comment_metadata(HEAD_SHA, RUN_ID), HEAD_SHA),
        (comment_metadata(HEAD_SHA.upper(), None), HEAD_SHA),  # lower-cased
        (comment_metadata(HEAD_SHA[:7], RUN_ID), HEAD_SHA[:7]),
        (comment_metadata("abc123", RUN_ID), None),  # 6 hex digits: too short to be a sha
        (comment_metadata("a" * 41, RUN_ID), None),  # too long
        (comment_metadata("release-2024", RUN_ID), None),  # not hex
        (comment_metadata(None, RUN_ID), None),
        ("<!--honeyhive-experiment:meta run=1 head=ABCDEF1 -->", "abcdef1"),  # read leniently
        (f"head={HEAD_SHA} outside the metadata comment", None),
        ("", None),
        (None, None),
    ],
)
def test_comment_head_sha(body: str | None, expected: str | None) -> None:
    assert comment_head_sha(body) == expected


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_head_is_read_back_from_every_rendered_comment(scenario: str) -> None:
    data = SCENARIOS[scenario]()
    text = render_comment(data).text
    assert comment_head_sha(text) == HEAD_SHA
    assert parse_comment_metadata(text) == {"head": HEAD_SHA, **({"run": RUN_ID} if data.run_id else {})}


def test_the_github_publisher_reads_the_head_with_this_module() -> None:
    """github.py has no parser of its own: what the report writes, the publisher reads the same way."""
    source = Path(github.__file__).read_text(encoding="utf-8")
    assert "honeyhive-experiment:meta" not in source
    assert vars(github)["comment_head_sha"] is markers_module.comment_head_sha
