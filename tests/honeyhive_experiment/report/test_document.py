"""``report.model``: report.json as the one report model, its generated JSON Schema, and reading it back.

jsonschema is used here only as an independent check of the generated schema and the documents.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from honeyhive_experiment.errors import ReportError
from honeyhive_experiment.judgement import Judgement
from honeyhive_experiment.report import (
    Report,
    load_report,
    report_json_schema,
    report_json_schema_text,
)
from honeyhive_experiment.verdict import Verdict
from tests.honeyhive_experiment.report.scenarios import (
    APP,
    BIG_M,
    BIG_N,
    HEAD_SHA,
    RUN_ID,
    SCENARIOS,
    fail_input,
    pass_input,
    report_json,
)

pytestmark = pytest.mark.unit

SRC = Path(__file__).resolve().parents[3] / "src"
SCHEMA_FILE = SRC / "honeyhive_experiment" / "schemas" / "report.schema.json"
REGENERATE = (
    ".venv/bin/python -c \"import honeyhive_experiment.report as r; print(r.report_json_schema_text(), end='')\""
    " > src/honeyhive_experiment/schemas/report.schema.json"
)


def test_committed_schema_file_equals_the_generated_schema() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == report_json_schema_text(), (
        f"schemas/report.schema.json is stale: the Report model changed. From the repository root run\n"
        f"    {REGENERATE}\nand commit the file."
    )
    jsonschema.Draft202012Validator.check_schema(json.loads(committed))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_report_json_validates_against_the_schema(scenario: str) -> None:
    doc = report_json(SCENARIOS[scenario]())
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))).validate(doc)
    assert doc["version"] == 1
    assert doc["verdict"] == scenario.replace("no_baseline", "neutral")


def test_the_schema_rejects_a_report_that_drifts() -> None:
    doc = report_json(pass_input())
    validator = jsonschema.Draft202012Validator(report_json_schema())
    assert not validator.is_valid({**doc, "version": 2})
    assert not validator.is_valid({**doc, "unexpected": True})
    assert not validator.is_valid({**doc, "metrics": [{**doc["metrics"][0], "value": "0.8"}]})


def test_report_json_carries_the_backends_numbers_and_the_runs_facts() -> None:
    doc = report_json(fail_input())
    assert doc["counts"] == {"passed": 4, "failed": 2, "errored": 1, "unrecorded": 0, "total": 6}
    assert doc["run"] == {
        "id": RUN_ID,
        "url": f"{APP}/runs/{RUN_ID}",
        "head_sha": HEAD_SHA,
        "pr_number": 42,
        "dirty": False,
    }
    assert doc["gate_failures"] == ["accuracy got worse by 0.099 (gate: at most 0.05)"]
    assert doc["baseline"]["shared_datapoints"] == 4
    assert doc["baseline"]["total_datapoints"] == 6
    assert doc["baseline"]["created_at"] == "2025-03-01T10:00:00Z"
    assert doc["comparison"] == {"common_datapoints": 4, "new_only_datapoints": 2, "old_only_datapoints": 2}
    latency = next(m for m in doc["metrics"] if m["name"] == "latency_ms")
    distribution = latency.pop("distribution")  # the backend's values of this run, binned for the HTML report
    assert (distribution["current"], distribution["baseline"]) == ([1, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 1], None)
    assert distribution["edges"][0] == 1200.0
    assert latency.pop("gate") is None  # no gate on it
    assert latency.pop("gate_limit") is None
    assert latency.pop("gate_failed") is None
    assert latency.pop("datapoints") == 8  # 4 in both runs, 2 new, 2 gone
    assert latency.pop("uncompared") == 0  # none in both runs' lists and left out of the comparison
    assert latency == {
        "name": "latency_ms",
        "event_name": "answer",
        "label": "Latency (ms)",
        "direction": "lower",
        "key": True,
        "configured": True,
        "format": ",.0f",
        "percent": False,
        "baseline": 1320.25,
        "value": 1480.5,
        "difference": 160.25,
        "percentage_change": 12.1378,
        "improved_count": 3,
        "degraded_count": 1,
        "same_count": 0,
        "better_count": 1,
        "worse_count": 3,
        "change": "too few changes to tell",  # the sign test on 3 of 4 worse, as the flow's
        "significance": "needs ≥ 7 changes, has 4",
        "p_value": 0.625,
        "p_adjusted": 0.625,
        "one_sided": False,
        "failing_datapoints": 0,
        "passing_range": None,
        "absent": False,
        "errored": None,
        "evaluated": None,
        "error": None,
        "spared": None,
        "compared": True,
        "paired": 4,  # the backend's found_count: compared on every shared datapoint
        "shared": 4,
        "spread": None,
        "efficiency": False,
        "baseline_left_out": 0,
        "left_out": 0,
    }
    assert doc["datapoints"]["failed"] == [
        {
            "id": "EXT-q2",
            "place": None,  # the judgement names no dataset file
            "since": None,
            "failing_metrics": [
                {
                    "name": "accuracy",
                    "event_name": "answer",
                    "value": 0.2,
                    "text": "Accuracy = 0.200, passing range ≥ 0.500",
                }
            ],
            "inputs": '{"question": "What is the capital of Peru?"}',
            "outputs": '{"answer": "The capital of Peru is *Lima* | source: `wiki`"}',
            "trials_passed": None,
            "trials": None,
            "trial": None,
        }
    ]
    assert [e["status"] for e in doc["datapoints"]["errored"]] == ["function_error", "evaluator_error"]
    assert doc["datapoints"]["errored"][1]["evaluator"] == "similarity"


@pytest.fixture(scope="module")
def big_doc(big_input: Judgement) -> dict[str, Any]:
    """report.json of ``big_input``, built once for the tests that check it and read it back (~2 s each)."""
    return report_json(big_input)


def test_the_big_report_json_has_everything_and_is_valid(big_doc: dict[str, Any]) -> None:
    doc = big_doc
    jsonschema.Draft202012Validator(report_json_schema()).validate(doc)
    assert len(doc["metrics"]) == BIG_M
    assert len(doc["datapoints"]["failed"]) == BIG_N
    assert doc["counts"] == {"passed": 0, "failed": BIG_N, "errored": 0, "unrecorded": 0, "total": BIG_N}


# ------------------------------------------------------------------------------------------------------------
# the model: built from the view, read back with load_report
# ------------------------------------------------------------------------------------------------------------


def test_the_schema_is_the_models() -> None:
    schema = report_json_schema()
    assert list(schema)[:3] == ["$schema", "$id", "title"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:honeyhive-experiment:schema:report:v1"
    assert {k: v for k, v in schema.items() if k not in ("$schema", "$id", "title")} == {
        k: v for k, v in Report.model_json_schema(schema_generator=_generator()).items() if k != "title"
    }
    assert schema["additionalProperties"] is False
    assert schema["required"] == list(Report.model_fields)
    assert all(field.get("description") for field in schema["properties"].values())


def _generator() -> Any:
    from honeyhive_experiment.report.model import _SchemaGenerator

    return _SchemaGenerator


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_load_report_reads_back_what_report_json_wrote(tmp_path: Path, scenario: str) -> None:
    doc = report_json(SCENARIOS[scenario]())
    path = tmp_path / "report.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    loaded = load_report(path)
    assert isinstance(loaded, Report)
    assert loaded.model_dump(mode="json") == doc
    assert loaded.verdict is Verdict(scenario.replace("no_baseline", "neutral"))
    assert loaded.run.pr_number == 42
    assert load_report(str(path)) == loaded


def test_load_report_reads_back_the_big_report(tmp_path: Path, big_doc: dict[str, Any]) -> None:
    doc = big_doc
    path = tmp_path / "report.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_report(path)
    assert len(loaded.datapoints.failed) == BIG_N
    assert loaded.model_dump(mode="json") == doc


def test_load_report_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    with pytest.raises(ReportError) as caught:
        load_report(path)
    assert str(caught.value) == f"{path}: does not exist (download the run job's artifact first)"
    assert caught.value.file == str(path)


def test_load_report_refuses_a_file_it_cannot_read(tmp_path: Path) -> None:
    """A path that is there but cannot be read (a folder) is said so, with the system's reason."""
    with pytest.raises(ReportError) as caught:
        load_report(tmp_path)
    assert str(caught.value) == f"{tmp_path}: cannot be read: Is a directory"
    assert caught.value.file == str(tmp_path)


@pytest.mark.parametrize("content", ["", "{not json", '{"version": 1', b"\xff\xfe{}"])
def test_load_report_refuses_what_is_not_json(tmp_path: Path, content: str | bytes) -> None:
    path = tmp_path / "report.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        load_report(path)
    assert str(caught.value).startswith(f"{path}: not JSON (")
    assert caught.value.file == str(path)


_MISSING = object()


def _changed(doc: Any, where: tuple[str | int, ...], value: Any) -> Any:
    """A copy of ``doc`` with the value at ``where`` replaced (or removed, for ``_MISSING``)."""
    if not where:
        return value
    head, rest = where[0], where[1:]
    if isinstance(doc, list):
        assert isinstance(head, int)
        return [_changed(item, rest, value) if i == head else item for i, item in enumerate(doc)]
    changed = dict(doc)
    if value is _MISSING and not rest:
        del changed[head]
    else:
        changed[head] = _changed(doc.get(head), rest, value)
    return changed


@pytest.mark.parametrize(
    ("where", "value", "key", "message"),
    [
        (("unexpected",), True, "unexpected", "Extra inputs are not permitted"),
        (("run", "unexpected"), 1, "run.unexpected", "Extra inputs are not permitted"),
        (("version",), 2, "version", "Input should be 1"),
        (("version",), True, "version", "Input should be 1"),
        (("run", "pr_number"), "42", "run.pr_number", "Input should be a valid integer"),
        (("metrics", 0, "value"), "0.8", "metrics[0].value", "Input should be a valid number"),
        (("counts", "errored"), -1, "counts.errored", "Input should be greater than or equal to 0"),
        (("verdict",), "maybe", "verdict", "Input should be 'pass', 'fail', 'neutral' or 'error'"),
        (("metrics", 0, "direction"), "up", "metrics[0].direction", "Input should be 'higher' or 'lower'"),
        (("metrics", 0, "change"), "bigger", "metrics[0].change", "Input should be 'better', 'worse',"),
        (("dry_run",), "yes", "dry_run", "Input should be a valid boolean"),
        (("generated_at",), "yesterday", "generated_at", "Input should be a valid datetime"),
        (("notes",), _MISSING, "notes", "Field required"),
    ],
)
def test_load_report_refuses_an_invalid_report_naming_the_field(
    tmp_path: Path, where: tuple[str | int, ...], value: Any, key: str, message: str
) -> None:
    doc = _changed(report_json(pass_input()), where, value)
    path = tmp_path / "report.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        load_report(path)
    assert (caught.value.file, caught.value.key) == (str(path), key)
    assert str(caught.value).startswith(f"{path}: {key}: {message}")
    if key != "generated_at":  # JSON Schema's "format: date-time" is an annotation: validators do not assert it
        assert not jsonschema.Draft202012Validator(report_json_schema()).is_valid(doc)  # the schema agrees


def test_load_report_refuses_a_document_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(ReportError, match=r"Input should be an object") as caught:
        load_report(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_load_report_names_the_first_problem_and_counts_the_rest(tmp_path: Path) -> None:
    doc = {**report_json(pass_input()), "version": 2, "unexpected": True}
    path = tmp_path / "report.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        load_report(path)
    assert str(caught.value) == f"{path}: version: Input should be 1; and 1 more"


def _imports_jsonschema(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        if any(name.split(".")[0] == "jsonschema" for name in names):
            lines.append(node.lineno)
    return lines


def test_nothing_under_src_imports_jsonschema() -> None:
    """report.json is validated with its pydantic model; jsonschema checks the schema in the tests only."""
    offenders = {
        str(path.relative_to(SRC)): lines for path in sorted(SRC.rglob("*.py")) if (lines := _imports_jsonschema(path))
    }
    assert offenders == {}


def test_a_warning_as_long_as_a_never_failing_gates_is_whole() -> None:
    """Warnings were cut at 300 characters: the one a ``significant: true`` gate that can never fail on so few
    datapoints gets (~295 characters for ``keyword_recall``) lost its advice ("it needs ≥ 5 datapoints, or
    significant: false") for a longer metric name."""
    warning = (
        "answer_relevance_by_llm_judge got worse by 0.8 (gate: at most 0.05): 4 of 4 worse, p = 0.062, not significant,"
        " so not failed (significant: true); on 4 datapoints no change can be significant at α = 0.05 (the smallest"
        " p-value is 0.0625): this gate can never fail (it needs ≥ 5 datapoints, or significant: false)"
    )
    assert len(warning) > 300
    data = pass_input()
    decided = dataclasses.replace(data.decision, warnings=(warning,))
    assert report_json(dataclasses.replace(data, decision=decided))["warnings"] == [warning]
