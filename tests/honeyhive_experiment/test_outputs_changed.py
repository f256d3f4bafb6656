"""An output JSON cannot carry as the function returned it is changed to be recorded, and the report says so.

The runner said it only in the log, and only of a cycle or nesting cut; a NaN was said there too, and an object
(a class's instance, a datetime, bytes) was recorded as its ``str()`` silently. An object's default ``str()`` holds
its memory address (``<app.Answer object at 0x7f…>``), different on every run, so the HTML report marked the output
of every such datapoint changed from the baseline's, run after run, though nothing had changed. Now one warning per
run, in report.json and the comment as the run's other warnings, counts the datapoints and names the first with what
was changed, and an object is recorded as its text without the address.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from enum import Enum, IntEnum
from pathlib import Path
from typing import Any

import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.models.outcomes import CHANGED_KEY, DatapointOutcome, OutcomeStatus, outputs_changed_warning
from honeyhive_experiment.tracing import flatten, recordable, stable_text
from tests.quickstart import copy_quickstart

KEY = "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"  # a secret by its shape: no environment names it

ODD = f'''
from support_bot.app import answer as looked_up


class Handle:
    """A client handle whose repr shows its key, and where it is in memory."""

    key = "{KEY}"

    def __repr__(self):
        return f"<Handle key={{self.key}} at 0x{{id(self):x}}>"


class Plain:
    pass


def answer(datapoint):
    outputs = looked_up(datapoint)
    question = datapoint["inputs"]["question"]
    if "reset my" in question:
        outputs["handle"] = Handle()
        outputs["plain"] = Plain()
    elif "forgot" in question:
        outputs["score"] = float("nan")
    return outputs
'''

SAID = "the outputs of 2 of 3 datapoint(s) were changed to be recorded, the evaluators scoring them as returned:"
HANDLED = " datapoint {}: outputs.handle is of type Handle, which JSON cannot carry: recorded as its str() (and 1 more)"
NAN_SAID = " datapoint {}: outputs.score is NaN, which JSON cannot carry: recorded as null"


def _run(repo: Path, capsys: pytest.CaptureFixture[str], n: int) -> tuple[str, dict[str, Any], str]:
    report = repo.parent / f"report{n}.json"
    code = main(["run", "--dry-run", "-C", str(repo), "--report", str(report)], environ={})
    out = capsys.readouterr().out
    assert code == 0, out
    return out, json.loads(report.read_text(encoding="utf-8")), report.with_suffix(".html").read_text(encoding="utf-8")


@pytest.mark.integration
def test_outputs_changed_to_be_recorded_are_said_in_the_report_and_two_runs_show_no_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_quickstart(tmp_path / "repo", questions=3)
    (repo / "odd.py").write_text(ODD, encoding="utf-8")
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("support_bot.app:answer", "odd:answer"))

    out, first, _ = _run(repo, capsys, 1)
    outputs = {row["id"]: json.loads(row["output"]["text"]) for row in first["table"]["rows"]}
    [handled] = [i for i, output in outputs.items() if "handle" in output]  # the first datapoint
    [nan] = [i for i, output in outputs.items() if "score" in output]
    # the datapoint with the smallest id: the view below has the sessions in the order they came (it named either)
    said = SAID + (HANDLED.format(handled) if handled < nan else NAN_SAID.format(nan))
    assert first["warnings"] == [said]  # in report.json, as the run's other warnings (it was in the log only)
    comment = out.split("----- the comment that would be posted -----", 1)[1]
    assert said.replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*") in comment
    assert (outputs[handled]["handle"], outputs[handled]["plain"]) == ("<Handle key=***>", "<odd.Plain object>")
    assert outputs[nan]["score"] is None

    out, second, html = _run(repo, capsys, 2)
    assert second["baseline"]["run_id"] == first["run"]["id"]
    assert second["warnings"] == [said]
    rows = second["table"]["rows"]
    assert [row["output"] for row in rows] == [row["baseline_output"] for row in rows]  # the address differed
    assert html.count("<ins>") == html.count("<ins>marked</ins>") == 1  # only the legend's: no word marked changed
    assert html.count("<del>") == html.count("<del>struck</del>") == 1

    # a job that judges the run without having run it (view here; report, publish) reads it from the sessions
    assert main(["view", "--no-open", "-C", str(repo)], environ={}) == 0
    [page] = (repo / ".honeyhive").glob("report.*.html")
    viewed = page.read_text(encoding="utf-8")
    assert said.replace('"', "&#34;").replace("<", "&lt;").replace(">", "&gt;") in viewed
    everything = out + capsys.readouterr().out + json.dumps(first) + json.dumps(second) + html + viewed
    assert KEY not in everything
    assert not re.search(r"0x[0-9a-f]{6,}", everything)


class Answer:
    pass


@pytest.mark.unit
def test_an_objects_text_is_recorded_without_its_memory_address_and_said() -> None:
    answer = Answer()
    value = {"answer": answer, "when": datetime(2024, 1, 1), "raw": b"ok", "call": len, "keyed": {answer: 1}}
    made = recordable(value)
    assert made.value == {
        "answer": f"<{__name__}.Answer object>",
        "when": "2024-01-01 00:00:00",
        "raw": "b'ok'",
        "call": "<built-in function len>",
        "keyed": {f"<{__name__}.Answer object>": 1},
    }
    assert made.cut == (
        "outputs.answer is of type Answer, which JSON cannot carry: recorded as its str()",
        "outputs.when is of type datetime, which JSON cannot carry: recorded as its str()",
        "outputs.raw is of type bytes, which JSON cannot carry: recorded as its str()",
        "outputs.call is of type builtin_function_or_method, which JSON cannot carry: recorded as its str()",
        "outputs.keyed has keys of type Answer, which JSON cannot carry: recorded as their str()",
    )
    assert stable_text(Answer().__init__) == "<method-wrapper '__init__' of Answer object>"


@pytest.mark.unit
@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, None, True, "x at 0x7f00aa"], "b": {"c": -(2**63)}},
        ["é \u2028 text", {"": 0}],
        "a text at 0x7f00aa is the user's own",
        7,
    ],
)
def test_a_value_json_carries_is_recorded_as_it_was_and_nothing_is_said(value: Any) -> None:
    made = recordable(value)
    assert json.dumps(made.value) == json.dumps(value)
    assert made.cut == ()


@pytest.mark.unit
def test_a_recorded_value_is_flattened_as_it_is_and_as_the_value_it_was_made_from() -> None:
    """The runner hands the span its outputs made recordable (and redacted) once: flattened as they are, they are the
    attributes the value returned flattens to; made recordable again, nothing changes and nothing is said."""
    cycle: dict[str, Any] = {"n": float("nan")}
    cycle["self"] = cycle
    value = {"s": {3, 1}, "t": (1, "x\ud800"), "big": 2**70, "obj": Answer(), "cycle": cycle, "deep": [[[[]]]] * 2}
    made = recordable(value)
    assert made.cut
    assert flatten("honeyhive_outputs", made) == flatten("honeyhive_outputs", value)
    again = recordable(made.value)
    assert again.value == made.value
    assert again.cut == ()


@pytest.mark.unit
def test_a_set_whose_items_do_not_sort_is_recorded_in_the_same_order_on_every_run() -> None:
    """Its own order, a string's hash's, differs between processes: the diff marked it changed."""
    words = [f"w{n}" for n in range(12)]
    made = recordable({"tags": {*words, 3, None}})
    assert made.value == {"tags": [None, 3, *sorted(words)]}  # by type name (NoneType, int, str), then text
    assert made.cut == ()


NAN = "outputs.score is NaN, which JSON cannot carry: recorded as null"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("metadata", "changed"),
    [
        ({CHANGED_KEY: NAN}, NAN),
        ({CHANGED_KEY: ""}, None),  # what a clean attempt writes over one whose outputs were changed
        ({CHANGED_KEY: 0}, None),
        ({}, None),  # a run recorded before the key was written
    ],
)
def test_what_was_changed_is_read_back_from_the_sessions_metadata(
    metadata: dict[str, Any], changed: str | None
) -> None:
    assert DatapointOutcome.from_session(0, "s", metadata).changed == changed


@pytest.mark.unit
def test_the_warning_names_the_datapoint_with_the_smallest_id_whatever_the_order() -> None:
    """The run named the first in input order, a view or report job the first session that came: two texts."""
    outcomes = [
        DatapointOutcome(0, "b", "s0", OutcomeStatus.OK, changed="outputs.x is NaN"),
        DatapointOutcome(1, "c", "s1", OutcomeStatus.OK),
        DatapointOutcome(2, "a", "s2", OutcomeStatus.OK, changed="outputs.y is NaN"),
    ]
    for order in (outcomes, outcomes[::-1]):
        said = outputs_changed_warning(order)
        assert said == (
            "the outputs of 2 of 3 datapoint(s) were changed to be recorded, the evaluators scoring them as returned:"
            " datapoint a: outputs.y is NaN"
        )


@pytest.mark.unit
def test_numpy_numbers_and_arrays_are_recorded_as_what_they_hold_not_their_text() -> None:
    """np.int64 (a sum), np.bool_ (a comparison), np.float32 and an array (an embedding) were recorded as their
    str(), '3', 'True', '[0.1 0.2]', each said as changed: a number became a string in HoneyHive and the report."""
    np = pytest.importorskip("numpy")  # a user-side package: installed with the test extras (through scipy)
    value = {
        "total": np.int64(3),
        "ok": np.bool_(True),
        "half": np.float32(0.5),
        "grid": np.arange(4).reshape(2, 2),
        "gaps": np.array([np.nan, 1.0]),
    }
    made = recordable(value)
    assert made.value == {"total": 3, "ok": True, "half": 0.5, "grid": [[0, 1], [2, 3]], "gaps": [None, 1.0]}
    assert [type(made.value[key]) for key in ("total", "ok", "half")] == [int, bool, float]
    assert made.cut == ("outputs.gaps.0 is NaN, which JSON cannot carry: recorded as null",)


@pytest.mark.unit
def test_what_is_said_of_an_object_quotes_none_of_its_text() -> None:
    """Its text was quoted, whole words of it up to 80 characters, spaces run together: a known secret holding a
    space or a line break no longer matched the run's redaction, and part of it reached the report."""
    secret = "correct horse battery staple zebra"

    class Vault:
        def __str__(self) -> str:
            return f"pw={secret}"

    made = recordable({"vault": Vault()})
    assert made.value == {"vault": f"pw={secret}"}  # recorded whole: the runner redacts it as a whole
    assert made.cut == ("outputs.vault is of type Vault, which JSON cannot carry: recorded as its str()",)


@pytest.mark.unit
def test_a_field_kept_out_of_its_repr_or_dump_is_not_recorded() -> None:
    """Its str(), recorded before fields were, never showed them: a client, a credential."""
    from dataclasses import dataclass, field

    from pydantic import BaseModel, Field

    @dataclass
    class Client:
        name: str
        api_key: str = field(repr=False)

    class Answer(BaseModel):
        text: str
        token: str = Field(exclude=True)
        conn: str = Field(repr=False)

    made = recordable({"client": Client("bot", "k-1"), "answer": Answer(text="hi", token="t-1", conn="c-1")})
    assert made.value == {"client": {"name": "bot"}, "answer": {"text": "hi"}}
    assert made.cut == ()


class Colour(Enum):
    RED = "red"
    PAIR = (1, 2)


class Level(IntEnum):
    HIGH = 3


class Count(int):
    pass


@pytest.mark.unit
def test_enums_and_int_subclasses_are_recorded_as_their_values() -> None:
    """An IntEnum (an int subclass) in an output hung the run: 'in range(-2**63, 2**63)' looks for an int subclass
    one element at a time. A plain enum was its str(), 'Colour.RED', said as changed."""
    made = recordable({"colour": Colour.RED, "pair": Colour.PAIR, "level": Level.HIGH, "count": Count(2**70)})
    assert made.value == {"colour": "red", "pair": [1, 2], "level": 3, "count": str(2**70)}
    assert type(made.value["level"]) is int
    assert made.cut == (
        "outputs.count is an integer beyond 64 bits, which a span cannot carry: recorded as its digits",
    )
