"""``report.markdown``: user and backend strings cannot break out of the comment or mention anyone."""

from __future__ import annotations

import dataclasses
import html
import json
import re

import cmarkgfm
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_experiment.report import (
    comment_metadata,
    marker,
    md_escape,
)
from honeyhive_experiment.report.markdown import plain, plain_lines
from honeyhive_experiment.verdict import Decision, Verdict
from tests.honeyhive_experiment.report.scenarios import (
    FAIL_COMPARE_BODY,
    FAIL_SUMMARY_BODY,
    cells,
    comparison_of,
    error_input,
    fail_input,
    nasty_input,
    render_comment,
    summary_of,
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


PLAIN: list[tuple[str, str, str]] = [
    ("colour", "\x1b[33mcolored\x1b[0m text", "colored text"),  # was "[33mcolored[0m text": the ESC alone went
    ("cursor and clear", "\x1b[2J\x1b[1;1Hgone", "gone"),
    ("private mode", "\x1b[?25lhidden cursor\x1b[?25h", "hidden cursor"),
    ("title ended by BEL", "\x1b]0;pwned\x07main", "main"),
    ("link ended by ST", "\x1b]8;;https://x.example\x1b\\label\x1b]8;;\x1b\\", "label"),
    ("tput sgr0", "bold\x1b(B\x1b[m", "bold"),
    ("a lone ESC", "a\x1bb", "ab"),
    ("an escape cut short", "a\x1b[31", "a[31"),  # no final byte: the ESC goes, the rest is text
    ("control characters", "a\x07b\x08c\rd\ne", "abcd e"),  # a line break a space
    ("no escape", "C:\\Users\\me [0m", "C:\\Users\\me [0m"),  # brackets of the text's own are kept
]


@pytest.mark.parametrize(("text", "shown"), [c[1:] for c in PLAIN], ids=[c[0] for c in PLAIN])
def test_plain_takes_each_escape_sequence_out_whole(text: str, shown: str) -> None:
    assert plain(text) == shown


def test_plain_lines_keeps_the_lines_of_a_log_record() -> None:
    """The log formatter's: a user's coloured warning left ``[33mcolored[0m`` on the terminal."""
    record = "\x1b[33mcolored\x1b[0m C:\\data\r\nsecond \x1b[1mline\x1b[0m\ttab"
    assert plain_lines(record) == "colored C:\\data\nsecond line\ttab"


def test_md_escape_passes_markup_through_and_empties_none() -> None:
    assert md_escape(None) == ""
    assert md_escape(md_escape("a_b")) == "a\\_b"
    assert md_escape("plain text 1.5") == "plain text 1.5"


# ------------------------------------------------------------------------------------------------ autolinks


def github_html(markdown: str) -> str:
    """What GitHub's renderer (cmark-gfm with its extensions, autolink among them) makes of ``markdown``; raw
    HTML kept, as GitHub keeps <details> (its sanitiser runs afterwards and adds no links)."""
    return str(cmarkgfm.github_flavored_markdown_to_html(markdown, options=cmarkgfm.Options.CMARK_OPT_UNSAFE))


def shown_text(rendered: str) -> str:
    """The text a reader sees in rendered HTML, the zero-width joiners left out."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).replace("\u200d", "")


@pytest.mark.parametrize(
    "text",
    [
        "see http://evil.example/login",
        "https://evil.example/x?token=1",
        "HTTPS://EVIL.EXAMPLE",
        "ftp://files.example/payload",
        "www.evil.example",
        "(www.evil.example)",
        "*www.evil.example*",
        "_https://evil.example_",
        "mail support@evil.example now",
        "first.last+tag@sub.evil-example.org",
        "mailto:support@evil.example",
        "xmpp:bot@evil.example",
        "<https://evil.example>",
        "[click](https://evil.example)",
        "https://evil.example/a_b_c www.x.io a@b.co",
    ],
)
def test_a_url_or_address_in_user_data_is_shown_but_not_linked(text: str) -> None:
    """GFM autolinks ``www.``, ``scheme://`` and e-mail addresses in plain text: escaped, they are plain text."""
    bare = github_html(text)
    escaped = github_html(f"x {md_escape(text)}")

    assert "<a " in bare  # GitHub would link it as it is
    assert "<a " not in escaped
    assert shown_text(escaped).strip() == f"x {text}"


_LINKISH = st.lists(
    st.sampled_from(
        [
            "http",
            "https",
            "ftp",
            "mailto:",
            "xmpp:",
            "://",
            ":",
            "/",
            "www",
            "WWW",
            ".",
            "@",
            "a",
            "b.co",
            "example",
            ".com",
            "-",
            "_",
            "+",
            "*",
            "~",
            "(",
            ")",
            "<",
            ">",
            "[",
            "]",
            " ",
            "\n",
            "&amp;",
            "&#64;",
            "&#58;",
        ]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_LINKISH)
def test_no_escaped_text_becomes_a_link_on_github(text: str) -> None:
    rendered = github_html(f"x {md_escape(text)}")
    assert "<a " not in rendered
    table = github_html(f"| a | b |\n|---|---|\n| x | {md_escape(text)} |\n")
    assert "<a " not in table


LINKY = "see https://evil.example/login or www.evil.example, mail help@evil.example"


def test_the_comment_links_only_to_the_run_and_the_baseline() -> None:
    """URLs in datapoint ids, inputs, outputs, evaluator explanations, errors, reasons and notes are text."""
    data = fail_input()
    body = json.loads(json.dumps(FAIL_SUMMARY_BODY))
    linky_id = "EXT-https://evil.example/q2"
    body["failed"] = [linky_id, "EXT-q5"]
    body["datapoints"][1]["datapoint_id"] = linky_id
    summary = summary_of(body)
    q2, q5, q6 = data.outcomes
    data = dataclasses.replace(
        data,
        summary=summary,
        comparison=comparison_of(FAIL_COMPARE_BODY, summary),
        outcomes=[
            dataclasses.replace(
                q2, datapoint_id=linky_id, outputs={"answer": LINKY}, metrics={"accuracy_explanation": LINKY}
            ),
            dataclasses.replace(q5, error=f"ConnectError: {LINKY}"),
            q6,
        ],
        inputs_by_datapoint={linky_id: {"question": LINKY}},
        decision=Decision(Verdict.FAIL, (f"reason: {LINKY}",)),
        notes=(f"note: {LINKY}",),
    )
    markdown = render_comment(data).text
    rendered = github_html(markdown)

    assert data.run_url is not None
    assert data.baseline is not None
    assert re.findall(r'<a href="([^"]*)"', rendered) == [data.run_url, data.baseline.url]
    shown = shown_text(rendered)
    assert "EXT-https://evil.example/q2" in shown
    for where in ('{"answer": "' + LINKY, '{"question": "' + LINKY, f"({LINKY})", "reason: ", "note: "):
        assert where in shown, where
    assert shown.count("https://evil.example/login") >= 6


def test_an_error_quoting_another_comments_marker_does_not_carry_it() -> None:
    # the error is fenced as it is: an exception message quoting another experiment's hidden marker put that marker
    # in this comment's body, and the comment is found again by the marker anywhere in its body, so the other
    # experiment's next run would have taken this comment for its own and overwritten it
    other = marker(".honeyhive/another.yml")
    data = dataclasses.replace(
        error_input(), error=f"RuntimeError: quoting\n{other}\n{comment_metadata('abc1234', 'r')}"
    )
    text = render_comment(data).text
    assert other not in text
    assert text.count("<!-- honeyhive-experiment:meta") == 1
