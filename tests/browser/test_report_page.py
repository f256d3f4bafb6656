"""report.html opened in headless Chromium as a reader opens it (from disk, no server): what it shows, what its
controls do, and that it neither loads anything nor runs markup that came from a datapoint."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.chromium import ARTIFACTS
from tests.browser.conftest import XSS, Runs

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]  # one worker, one Chromium


@dataclass
class Opened:
    """A page of the report and what happened while it was open."""

    page: Page
    console: list[str] = field(default_factory=list)  # console messages of type error or warning, page errors
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def visible_ids(self) -> list[str]:
        ids: list[str] = self.page.eval_on_selector_all(
            "#datapoints tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.id)"
        )
        return ids

    def statuses(self) -> list[str]:
        found: list[str] = self.page.eval_on_selector_all(
            "#datapoints tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.s)"
        )
        return found


@pytest.fixture
def opened(chromium: BrowserContext, runs: Runs) -> Iterator[Opened]:
    page = chromium.new_page()
    seen = Opened(page)
    page.on("console", lambda m: seen.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else 0)
    page.on("pageerror", lambda e: seen.console.append(f"page error: {e}"))
    page.on("request", lambda r: seen.requests.append(r.url))

    def dismiss(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(runs.page.as_uri(), wait_until="load")
    yield seen
    page.close()


def test_the_page_shows_every_datapoint_the_worse_first_with_no_console_error_and_no_request(
    opened: Opened, runs: Runs
) -> None:
    ids = opened.visible_ids()
    assert len(ids) == runs.datapoints == 22
    statuses = opened.statuses()
    worse_first = [("degraded" in s.split()) for s in statuses]
    assert worse_first == sorted(worse_first, reverse=True)
    assert worse_first[0]
    assert opened.console == []
    assert opened.requests == [runs.page.as_uri()]  # the page itself, and nothing else: no host, no file
    assert opened.page.inner_text("#shown") == "22"


def test_filtering_to_degraded_shows_exactly_what_the_backends_comparison_says_got_worse(
    opened: Opened, runs: Runs
) -> None:
    opened.page.select_option("#status", "degraded")
    assert set(opened.visible_ids()) == runs.worse
    assert len(runs.worse) == 2  # status page (keyword recall) and dark mode (longer: answer_words is lower-is-better)
    assert opened.page.inner_text("#shown") == "2"
    opened.page.select_option("#status", "improved")  # mobile app (shorter), and status page on answer_words
    assert len(opened.visible_ids()) == 2
    opened.page.select_option("#status", "all")
    assert len(opened.visible_ids()) == 22


def test_sorting_by_a_column_and_searching_change_the_visible_rows(opened: Opened) -> None:
    page = opened.page
    before = opened.visible_ids()
    page.click("#datapoints thead th:nth-child(1) button")
    ascending = opened.visible_ids()
    assert ascending == sorted(before, key=str.lower) != before
    page.click("#datapoints thead th:nth-child(1) button")
    assert opened.visible_ids() == ascending[::-1]
    words = page.locator("#datapoints thead th", has_text="Answer length").locator("button")
    words.click()
    lengths = page.eval_on_selector_all(
        "#datapoints tbody tr",
        "rows => rows.map(r => parseFloat(r.cells[r.cells.length - 2].getAttribute('data-v')))",
    )
    assert lengths == sorted(lengths)  # the metric's values, smallest first
    page.fill("#search", "dark mode")
    assert len(opened.visible_ids()) == 1
    page.fill("#search", "")
    assert len(opened.visible_ids()) == 22
    assert opened.console == []


def test_a_sort_button_reached_by_tab_shows_its_focus_and_is_named_without_its_arrow(opened: Opened) -> None:
    """WCAG 2.4.7: the buttons' ``all: unset`` took away the browser's focus ring, so a keyboard user could not see
    which heading Tab had reached; and the CSS arrow was read out as part of each button's name ("Datapoint ↕")."""
    page = opened.page
    page.focus("#search")
    page.keyboard.press("Tab")  # the next control: the first column's sort button
    focused = page.evaluate(
        "() => { const b = document.activeElement, s = getComputedStyle(b);"
        " return [b.textContent, b.matches(':focus-visible'), s.outlineStyle, s.outlineWidth]; }"
    )
    assert focused == ["Datapoint", True, "solid", "2px"]
    heading = page.locator("#datapoints thead").aria_snapshot()
    assert '- button "Datapoint"' in heading
    assert "↕" not in heading
    page.keyboard.press("Enter")  # sorted: the arrow drawn is another, still not said
    assert "↑" not in page.locator("#datapoints thead").aria_snapshot()
    # the count of the rows shown is announced as a filter changes it
    assert page.locator("[aria-live=polite]").inner_text() == "22 of 22 datapoints shown"
    page.fill("#search", "dark mode")
    assert page.locator("[aria-live=polite]").inner_text() == "1 of 22 datapoints shown"


def test_markup_in_an_output_is_shown_as_text_and_never_runs(opened: Opened, runs: Runs) -> None:
    page = opened.page
    assert page.title().endswith(" · support-bot-quickstart")
    assert "pwned" not in page.title()
    assert opened.dialogs == []
    assert page.locator("#datapoints script, #datapoints img").count() == 0
    page.locator("#datapoints tbody tr").first.scroll_into_view_if_needed()  # as a reader scrolls to the table:
    page.wait_for_function("() => document.querySelector('#datapoints tbody tr').innerText !== ''")  # rows off
    # screen are skipped by layout (content-visibility), and so by innerText, until they come near the window
    assert XSS in page.inner_text("#datapoints")  # as text, where a reader sees it
    assert opened.console == []


def test_the_first_screen_is_kept_as_an_artifact(opened: Opened) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-first-screen.png"
    opened.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    print(f"screenshot of the HTML report's first screen: {shot}")
