"""The runner's files and workflow commands, checked against parsers that follow the runner's formats."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_experiment.gha import (
    SUMMARY_LIMIT,
    TRUNCATION_NOTE,
    WorkflowCommandHandler,
    _open_blocks,
    annotation,
    append_summary,
    group,
    neutralise,
    write_outputs,
)
from honeyhive_experiment.report.markdown import codeblock
from tests.fakes.actions_runner import issued
from tests.honeyhive_experiment.report.test_markdown import github_html

pytestmark = pytest.mark.unit


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: ``name=value`` lines and ``name<<DELIM`` heredocs."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            outputs[line[:equals]] = line[equals + 1 :]
            continue
        assert heredoc > 0, f"invalid line {line!r}"
        name, delimiter = line[:heredoc], line[heredoc + 2 :]
        assert delimiter, "empty delimiter"
        value: list[str] = []
        while True:
            assert i < len(lines), f"{name}: delimiter {delimiter!r} never found"
            if lines[i] == delimiter:
                i += 1
                break
            value.append(lines[i])
            i += 1
        outputs[name] = "\n".join(value)
    return outputs


_UNESCAPE = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}


def unescape(text: str) -> str:
    return re.sub("%25|%0D|%0A|%3A|%2C", lambda m: _UNESCAPE[m.group(0)], text)


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command as the runner parses it: ``::name k=v,k=v::data``."""
    match = re.fullmatch(r"::([\w-]+)(?: ([^:]*))?::(.*)", line, re.DOTALL)
    assert match, f"not a command: {line!r}"
    props = {}
    for pair in filter(None, (match.group(2) or "").split(",")):
        key, _, value = pair.partition("=")
        props[key] = unescape(value)
    return match.group(1), props, unescape(match.group(3))


# -- outputs ---------------------------------------------------------------------------------------


def test_outputs_round_trip_multiline_and_tricky_values(tmp_path: Path) -> None:
    path = tmp_path / "output"
    path.write_text("earlier=written by another step\n", encoding="utf-8")
    values = {
        "run-id": "8f14e45f",
        "multi": "line one\nline two\n\nline four\n",
        "tricky": "EOF\nname<<EOF\nkey=value\n<<\n=",
        "unicode": "délai ✓ 🐝",
        "empty": "",
    }

    write_outputs(path, values)
    write_outputs(path, {"passed": "12"})

    assert parse_output_file(path.read_text(encoding="utf-8")) == {
        "earlier": "written by another step",
        **values,
        "passed": "12",
    }


def test_every_output_has_its_own_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "output"
    write_outputs(path, {"a": "1", "b": "2"})
    delimiters = re.findall(r"^\w+<<(.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(delimiters) == 2
    assert delimiters[0] != delimiters[1]
    assert all(d.startswith("ghadelimiter_") for d in delimiters)


def test_a_value_holding_the_drawn_delimiter_gets_another_and_forges_no_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value that holds the delimiter drawn for it (as a random draw almost never does, so the draws are given here)
    would end its heredoc early, and its next line would be an output of its own: ``verdict=pass`` on a failed run.
    Another delimiter is drawn until the value does not hold it."""
    import uuid

    first, second = uuid.UUID(int=1), uuid.UUID(int=2)
    draws = iter([first, second])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))
    value = f"the user's output\nghadelimiter_{first}\nverdict=pass"
    path = tmp_path / "output"

    write_outputs(path, {"details": value})

    assert parse_output_file(path.read_text(encoding="utf-8")) == {"details": value}
    assert f"details<<ghadelimiter_{second}\n" in path.read_text(encoding="utf-8")


@settings(max_examples=60, deadline=None)
@given(value=st.text(alphabet=st.characters(blacklist_characters="\r", blacklist_categories=["Cs"])))
def test_any_value_round_trips(tmp_path_factory: pytest.TempPathFactory, value: str) -> None:
    path = tmp_path_factory.mktemp("outputs") / "output"
    write_outputs(path, {"value": value})
    assert parse_output_file(path.read_text(encoding="utf-8")) == {"value": value}


@pytest.mark.parametrize("name", ["", "a=b", "a<<b", "two words", "new\nline", "1st"])
def test_invalid_output_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="invalid output name"):
        write_outputs(tmp_path / "output", {name: "x"})
    assert not (tmp_path / "output").exists()


# -- step summary ----------------------------------------------------------------------------------


def test_a_summary_within_the_limit_is_appended_as_is(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    assert append_summary(path, "# Report\n\n| a | b |\n") is False
    assert append_summary(path, "second part") is False
    assert path.read_text(encoding="utf-8") == "# Report\n\n| a | b |\nsecond part\n"


def test_a_long_summary_is_cut_at_a_line_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    lines = [f"| row {i} | ✓ é 🐝 |" for i in range(100)]
    markdown = "\n".join(lines) + "\n"

    assert append_summary(path, markdown, limit=1000) is True

    data = path.read_bytes()
    assert len(data) <= 1000
    text = data.decode("utf-8")  # not cut inside a character
    kept, note = text.split("\n\n> [!WARNING]")
    assert "1 MiB" in note
    assert kept.split("\n") == lines[: len(kept.split("\n"))]  # whole lines only, in order
    assert len(kept) > 500  # and not needlessly short


def test_what_the_step_already_wrote_counts(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("x" * 700 + "\n", encoding="utf-8")

    assert append_summary(path, "line\n" * 100, limit=1000) is True

    text = path.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 1000
    assert text.startswith("x" * 700 + "\nline\n")
    assert TRUNCATION_NOTE in text


def test_a_cut_closes_an_open_code_fence_and_details(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    markdown = "<details><summary>Failed</summary>\n\n```json\n" + '{"x": 1}\n' * 200 + "```\n</details>\n"

    assert append_summary(path, markdown, limit=800, note="cut") is True

    text = path.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 800
    assert text.count("```") == 2
    assert text.count("</details>") == 1
    assert text.endswith("```\n</details>\n\ncut\n")


def test_a_cut_closes_a_longer_fence_that_holds_three_backticks(tmp_path: Path) -> None:
    """The ``codeblock`` filter fences text with ```` ``` ```` in it with four backticks: the ```` ``` ```` inside
    closes nothing, so the cut closes the four, and the note is text after the block, not inside it."""
    path = tmp_path / "summary.md"
    block = str(codeblock("a\n```\nb\n" + "x\n" * 400))
    assert block.startswith("````text\n")

    assert append_summary(path, "# head\n" + block + "\nafter\n", limit=300, note="cut") is True

    text = path.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 300
    assert text.endswith("x\n````\n\ncut\n")


@pytest.mark.parametrize(
    ("markdown", "fence", "details"),
    [
        ("```py\nx\n", "```", 0),
        ("```py\nx\n```\n", None, 0),
        ("````text\n```\nx\n", "````", 0),
        ("````text\n```\n````\n", None, 0),
        ("~~~\n```\n", "~~~", 0),
        ("~~~\n```\n~~~~\n", None, 0),
        ("```\nx\n``` not a close\n", "```", 0),
        ("``` `inline` ```\n", None, 0),  # backticks in the info string: no fence opens
        ("   ```\nx\n", "   ```", 0),  # closed as indented as it was opened
        ("    ```\nx\n", None, 0),  # indented 4: a line of indented code, no fence
        ("- x\n\n  ```\n  y\n", "  ```", 0),  # a list item's fence: only one indented as far closes it
        ("1. x\n\n   ~~~\n   y\n", "   ~~~", 0),
        ("- x\n\n    ```\n    y\n", None, 0),  # the item's too, and ended with it by the note's unindented line
        ("text\n", None, 0),
        ("<details>\n<details>\n</details>\n", None, 1),
        ("```\n</details>\n```\n<details>\n", None, 1),  # a quoted </details> closes nothing
        ("<details>\n```\n<details>\n", "```", 1),
    ],
)
def test_the_blocks_a_cut_leaves_open(markdown: str, fence: str | None, details: int) -> None:
    assert _open_blocks(markdown) == (fence, details)


@pytest.mark.parametrize(
    "head", ["- x\n\n  ```\n", "1. x\n\n   ```\n", "- x\n\n    ```\n", "10. x\n\n    ~~~\n", "   ```\n"]
)
def test_a_cut_in_a_list_items_code_block_leaves_the_note_outside_it(tmp_path: Path, head: str) -> None:
    """As GitHub renders it (cmark-gfm): a fence a list item holds is closed by one as indented as the item's text
    (a fence at the line's start ended the item, and opened a block that held the note); one indented 4 or more
    is ended with the item by the note's unindented line (CommonMark: a code block left open ends with the block
    that contains it)."""
    path = tmp_path / "summary.md"
    assert append_summary(path, "# head\n" + head + "    y\n" * 300, limit=600, note="cut") is True

    text = path.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 600
    assert github_html(text).endswith("<p>cut</p>\n"), text[-80:]


def test_nothing_is_written_when_not_even_the_note_fits(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("y" * 990, encoding="utf-8")
    assert append_summary(path, "more " * 10, limit=1000) is True
    assert path.read_text(encoding="utf-8") == "y" * 990


def test_the_default_limit_is_one_mebibyte(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    assert append_summary(path, "0123456789abcdef\n" * 70_000) is True  # ~1.2 MB
    size = path.stat().st_size
    assert SUMMARY_LIMIT == 1024 * 1024
    assert SUMMARY_LIMIT - 200 < size <= SUMMARY_LIMIT


# -- annotations, masks, groups --------------------------------------------------------------------


def test_annotation_escaping() -> None:
    line = annotation("error", "50% done\r\nnext: a, b", file="src/a,b:c.py", line=3, title="Config: key, value")
    assert line == "::error file=src/a%2Cb%3Ac.py,line=3,title=Config%3A key%2C value::50%25 done%0D%0Anext: a, b"
    assert parse_command(line) == (
        "error",
        {"file": "src/a,b:c.py", "line": "3", "title": "Config: key, value"},
        "50% done\r\nnext: a, b",
    )


def test_annotation_without_a_place_and_bad_levels() -> None:
    assert annotation("warning", "no baseline yet") == "::warning::no baseline yet"
    assert annotation("notice", "%0A stays literal") == "::notice::%250A stays literal"
    # a legacy command in the user's words is no second command: the runner's model finds ##[ anywhere in a line
    line = annotation("warning", "said ##[set-output name=verdict;]pass", title="##[error]x")
    assert "##[" not in line
    assert line.startswith("::warning title=##\u200b[error]x::said ##\u200b[set-output")
    with pytest.raises(ValueError, match="annotation level"):
        annotation("info", "x")  # type: ignore[arg-type]


def test_group_is_closed_even_on_error() -> None:
    out = io.StringIO()

    def run() -> None:
        with group("Run: 50% of\nthe suite", out):
            print("inside", file=out)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run()
    assert out.getvalue() == "::group::Run: 50%25 of%0Athe suite\ninside\n::endgroup::\n"


# -- logging ---------------------------------------------------------------------------------------


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("tests.gha.workflow-commands")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield log
    log.handlers.clear()


def test_log_levels_map_to_workflow_commands(logger: logging.Logger) -> None:
    out = io.StringIO()
    logger.addHandler(WorkflowCommandHandler(out))

    logger.debug("hidden without RUNNER_DEBUG")
    logger.info("plain progress")
    logger.warning("no baseline yet")
    logger.error("two\nlines")
    logger.critical("fatal")
    logger.error("unknown key", extra={"gha_file": ".honeyhive/experiment.yml", "gha_line": 4, "gha_title": "config"})

    assert out.getvalue().splitlines() == [
        "plain progress",
        "::warning::no baseline yet",
        "::error::two%0Alines",
        "::error::fatal",
        "::error file=.honeyhive/experiment.yml,line=4,title=config::unknown key",
    ]


def test_a_placed_record_names_its_file_from_the_workspace_and_its_place_once(
    logger: logging.Logger, tmp_path: Path
) -> None:
    """A record placed on a file by its full path (a dataset's, as loaded) is annotated on the file as GitHub names
    it, from the workspace, and its message does not say the place again; outside the workspace no annotation can
    point at it, and the message keeps saying where."""
    out = io.StringIO()
    logger.addHandler(WorkflowCommandHandler(out, workspace=tmp_path / "ws"))
    inside, outside = tmp_path / "ws" / "data" / "q.csv", tmp_path / "elsewhere.csv"

    logger.warning("%s:1: column 'x': said", inside, extra={"gha_file": str(inside), "gha_line": 1})
    logger.warning("%s: the whole file", inside, extra={"gha_file": str(inside)})
    logger.error("%s:1: column 'x': said", outside, extra={"gha_file": str(outside), "gha_line": 1})

    assert out.getvalue().splitlines() == [
        "::warning file=data/q.csv,line=1::column 'x': said",
        "::warning file=data/q.csv::the whole file",
        f"::error::{outside}:1: column 'x': said",
    ]


def test_debug_lines_appear_with_runner_debug(logger: logging.Logger) -> None:
    out = io.StringIO()
    logger.addHandler(WorkflowCommandHandler(out, debug=True))

    logger.debug("retrying in %d ms", 200)
    logger.info("done")

    assert out.getvalue().splitlines() == ["::debug::retrying in 200 ms", "done"]


def test_logged_data_is_terminal_safe(logger: logging.Logger) -> None:
    """A record quoting the backend (a branch, an error's body) reached the log with its escape sequences (a local
    runner's terminal retitled, cleared, coloured) as the log's other lines do not."""
    out = io.StringIO()
    logger.addHandler(WorkflowCommandHandler(out))

    logger.warning("run on \x1b]0;pwned\x07\x1b[2Jmain\rfake")
    logger.info("branch \x1b[31mred\x1b[0m\nnext\x08")

    assert out.getvalue().splitlines() == ["::warning::run on main%0Afake", "branch red", "next"]


def test_logged_data_cannot_issue_commands(logger: logging.Logger) -> None:
    out = io.StringIO()
    logger.addHandler(WorkflowCommandHandler(out))

    logger.info("output: ::add-mask::fine inside a line\n::stop-commands::x\n  ##[set-env name=A]b\nboom ##[add-mask]c")

    lines = out.getvalue().splitlines()
    assert lines[0] == "output: ::add-mask::fine inside a line"
    assert lines[1] == "\u200b::stop-commands::x"
    assert lines[2] == "  ##\u200b[set-env name=A]b"
    assert lines[3] == "boom ##\u200b[add-mask]c"  # the runner finds the legacy form anywhere in a line
    assert not any(line.lstrip().startswith("::") or "##[" in line for line in lines)


def test_a_byte_order_mark_before_a_lines_command_is_neutralised_as_leading_space_is() -> None:
    """The runner swallows a ``U+FEFF`` at a stream's start (its reader takes it for the encoding): printed first by
    a command called from Python inside Actions, the ``::`` after it was a command."""
    text = neutralise("\ufeff::stop-commands::x\n\ufeff ::add-mask::y")

    assert text == "\ufeff\u200b::stop-commands::x\n\ufeff \u200b::add-mask::y"
    assert issued(text.encode()) == []
