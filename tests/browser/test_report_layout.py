"""report.html with many metrics, opened in headless Chromium at a laptop's width: the datapoint table's text columns
keep a readable width and the table scrolls sideways in its own box, not the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import SECOND_RUN, dry_run
from tests.quickstart import copy_quickstart, set_answers

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]  # one worker, one Chromium

EXTRA = 14  # the quickstart's 3 metrics and these: 17, as the audit's page where an error wrapped a letter a line
WIDTH = 1280
MANY = f'''

def many(outputs, inputs, ground_truth):
    """{EXTRA} metrics from one evaluator (a dict), one with an explanation."""
    size = len(str(outputs.get("answer", "")))
    found = {{f"extra_metric_{{k}}": (size * (k + 1)) % 7 for k in range({EXTRA - 1})}}
    return {{"score": size % 5, "explanation": "the answer is " + str(size) + " characters long", **found}}
'''


@pytest.fixture(scope="module")
def page_of_many_metrics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quickstart with an evaluator of :data:`EXTRA` more metrics, run twice (the second with other answers):
    inputs, both outputs, 17 metrics and the explanations in the table."""
    repo = copy_quickstart(tmp_path_factory.mktemp("layout") / "repo", questions=6)
    evaluators = repo / "support_bot" / "evaluators.py"
    evaluators.write_text(evaluators.read_text(encoding="utf-8") + MANY, encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("  - support_bot.evaluators:answer_words\n", "  - support_bot.evaluators:answer_words\n"
                     "  - support_bot.evaluators:many\n"),
        encoding="utf-8",
    )  # fmt: skip
    dry_run(repo)
    set_answers(repo, SECOND_RUN)
    dry_run(repo)
    return repo / ".honeyhive" / "report.html"


@pytest.fixture
def page(chromium: BrowserContext, page_of_many_metrics: Path) -> Iterator[Page]:
    opened = chromium.new_page()
    opened.set_viewport_size({"width": WIDTH, "height": 800})
    opened.goto(page_of_many_metrics.as_uri(), wait_until="load")
    yield opened
    opened.close()


def widths(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        """() => {
          const heads = Array.from(document.querySelectorAll('#datapoints thead th'));
          const row = document.querySelector('#datapoints tbody tr');
          const box = document.querySelector('#datapoints').parentElement;
          return {
            heads: Object.fromEntries(heads.map(h => [h.textContent.trim(), h.getBoundingClientRect().width])),
            lefts: heads.map(h => Math.round(h.getBoundingClientRect().left)),
            cells: Array.from(row.cells).map(c => Math.round(c.getBoundingClientRect().left)),
            em: parseFloat(getComputedStyle(document.body).fontSize),
            box: [box.scrollWidth, box.clientWidth],
            page: [document.documentElement.scrollWidth, window.innerWidth],
          };
        }"""
    )
    return found


def test_with_17_metrics_the_text_columns_keep_a_readable_width(page: Page) -> None:
    found = widths(page)
    heads = found["heads"]
    assert len(heads) == 2 + 3 + 17 + 1  # datapoint, status; inputs, both outputs; the metrics; explanations
    em = found["em"]
    for name in ("Inputs", "Baseline output", "Output"):
        assert heads[name] >= 15 * em, (name, heads[name])  # ~30 characters of the monospaced text a line
    assert heads["Explanations"] >= 11 * em
    assert found["cells"] == found["lefts"]  # a row's cells stand under their headings


def test_a_table_wider_than_the_window_scrolls_in_its_box_and_the_page_does_not(page: Page) -> None:
    found = widths(page)
    scroll_width, client_width = found["box"]
    assert scroll_width > client_width  # 17 metrics do not fit 1280 px: the table's box scrolls sideways
    page_width, window = found["page"]
    assert page_width <= window  # the page itself does not
    last = page.locator("#datapoints thead th").last
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= WIDTH  # scrolled to, the explanations are in the window
