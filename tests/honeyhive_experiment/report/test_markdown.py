"""``report.markdown``: user and backend strings cannot break out of the comment or mention anyone."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_experiment.report import (
    md_escape,
)
from tests.honeyhive_experiment.report.scenarios import (
    cells,
    nasty_input,
    render_comment,
    table_rows,
)

pytestmark = pytest.mark.unit


def test_user_and_backend_strings_cannot_break_out_or_mention_anyone() -> None:
    text = render_comment(nasty_input()).text
    assert "<script" not in text
    assert re.search(r"(?<!\\)\]\(javascript", text) is None  # shown as text, never a link
    assert "(javascript:alert(1))" not in text.replace("\\[x\\](javascript:alert(1))", "")
    assert "@octocat" not in text
    assert "@\u200doctocat" in text
    assert "#12" not in text
    assert text.count("<details>") == text.count("</details>") == 3
    assert "```" not in text
    for header in (
        "| Metric |",
        "| Datapoint | Failing metrics |",
        "| Datapoint | What happened |",
        "| Metric | Trend |",
    ):
        rows = table_rows(text, header)
        assert len({len(cells(row)) for row in rows}) == 1, f"a row of {header!r} has a different number of cells"


def test_escaped_comment_renders_as_intended_markdown() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table")
    rendered = md.render(render_comment(nasty_input()).text)
    assert "<script" not in rendered
    assert rendered.count("<details>") == rendered.count("</details>") == 3
    assert 'href="javascript' not in rendered
    for table in re.findall(r"<table>.*?</table>", rendered, re.S):
        counts = {row.count("<td") + row.count("<th") for row in re.findall(r"<tr>.*?</tr>", table, re.S)}
        assert len(counts) == 1


_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from("\n\r\t\u200b\u202eé€😀")
)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_md_escape_renders_back_to_the_text_in_a_paragraph_and_a_table_cell(text: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table")
    escaped = str(md_escape(text))
    assert "\n" not in escaped
    assert "<" not in escaped
    assert re.search(r"(?<![A-Za-z0-9])@[A-Za-z0-9]", escaped) is None
    expected = re.sub(r"\s*[\r\n]+\s*", " ", text).replace("\t", " ").replace("\u200b", "").replace("\u202e", "")
    paragraph = md.render(f"x {escaped}")
    assert paragraph.startswith("<p>")
    shown = html.unescape(paragraph.removeprefix("<p>").removesuffix("</p>\n")).replace("\u200d", "")
    assert shown == f"x {expected}".rstrip(" ")
    table = md.render(f"| a | b |\n|---|---|\n| x | {escaped} |\n")
    assert table.count("<td") == 2


def test_md_escape_passes_markup_through_and_empties_none() -> None:
    assert md_escape(None) == ""
    assert md_escape(md_escape("a_b")) == "a\\_b"
    assert md_escape("plain text 1.5") == "plain text 1.5"
