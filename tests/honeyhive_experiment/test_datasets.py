"""Dataset files: formats, the CSV convention, exact-as-loaded records (EXT- ids), and located errors."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from honeyhive.experiments.utils import prepare_external_dataset
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_experiment.datasets import (
    ALLOWED_RECORD_KEYS,
    DatasetError,
    Record,
    load_dataset_file,
)
from honeyhive_experiment.datasets.records import SHOWN

pytestmark = pytest.mark.unit

LONE_SURROGATE = "a string holds half of a surrogate pair (\\ud800-\\udfff alone)"
ONE_COLUMN, USE_COMMAS = "one column, its header split by", "separate columns with commas"

BOM = b"\xef\xbb\xbf"

# honeyhive-api.md §5 test vectors
SPEC_RECORDS: list[Record] = [
    {"inputs": {"query": "test1"}, "ground_truth": {"answer": "a1"}},
    {"inputs": {"query": "test2"}, "ground_truth": {"answer": "a2"}},
]
SPEC_DATASET_ID = "EXT-7f5e0b8f4e48c9aa"
SPEC_DATAPOINT_IDS = ["EXT-c6dfa2c4e6969832", "EXT-faada761333ea549"]

UNICODE_RECORDS: list[Record] = [
    {
        "id": "naïve-1",
        "inputs": {"question": "Wie heißt die Hauptstadt? 東京 😀", "n": 3, "ratio": 0.5, "flag": True},
        "ground_truth": {"answer": "Zürich", "list": [1, 2.0, None, "ß"]},
        "metadata": {"lang": "de", "nested": {"z": 1, "a": [{"b": None}]}},
    },
    {"inputs": {"question": "\u2028line separator and tab\t"}, "ground_truth": None, "history": [{"role": "user"}]},
    {"datapoint_id": "dp-2", "inputs": {}, "metadata": None},
]


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def sha_dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


# ------------------------------------------------------------------------------------------- happy paths


def test_jsonl_keeps_records_exactly_and_skips_blank_lines(tmp_path: Path) -> None:
    lines = [json.dumps(record, ensure_ascii=False) for record in UNICODE_RECORDS]
    text = lines[0] + "\r\n\n   \n" + lines[1] + "\n\t\n" + lines[2]  # CRLF, blank lines, no final newline
    path = write(tmp_path / "data.jsonl", BOM + text.encode("utf-8"))

    loaded = load_dataset_file(path)

    assert loaded == UNICODE_RECORDS
    assert [list(record) for record in loaded] == [list(record) for record in UNICODE_RECORDS]  # key order
    assert type(loaded[0]["ground_truth"]["list"][1]) is float  # 2.0 stays a float
    assert sha_dump(loaded) == sha_dump(UNICODE_RECORDS)


@pytest.mark.parametrize("wrapped", [False, True], ids=["list", "datapoints-object"])
@pytest.mark.parametrize("indent", [None, 2], ids=["compact", "indented"])
def test_json_list_and_wrapper_keep_records_exactly(tmp_path: Path, wrapped: bool, indent: int | None) -> None:
    document: Any = {"datapoints": UNICODE_RECORDS} if wrapped else UNICODE_RECORDS
    path = write(tmp_path / "data.json", json.dumps(document, ensure_ascii=False, indent=indent))

    loaded = load_dataset_file(str(path))

    assert loaded == UNICODE_RECORDS
    assert [list(record) for record in loaded] == [list(record) for record in UNICODE_RECORDS]
    assert sha_dump(loaded) == sha_dump(UNICODE_RECORDS)


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".JSON"])
def test_spec_vectors_give_the_sdks_ext_ids(tmp_path: Path, suffix: str) -> None:
    if suffix.lower() == ".jsonl":
        text = "\n".join(json.dumps(record) for record in SPEC_RECORDS) + "\n"
    else:
        text = json.dumps(SPEC_RECORDS, indent=4)
    loaded = load_dataset_file(write(tmp_path / f"spec{suffix}", text))

    dataset_id, datapoint_ids = prepare_external_dataset(loaded)  # the official SDK's own function
    assert dataset_id == SPEC_DATASET_ID
    assert datapoint_ids == SPEC_DATAPOINT_IDS


def test_explicit_id_vector(tmp_path: Path) -> None:
    loaded = load_dataset_file(write(tmp_path / "ids.json", '[{"id": "q1", "inputs": {"x": 1}}]'))
    assert prepare_external_dataset(loaded) == ("EXT-1331f3d317977964", ["EXT-q1"])


def test_json_records_hash_like_the_files_own_records(tmp_path: Path) -> None:
    """Whatever formatting the file uses, the EXT- ids equal those of the stdlib-parsed file."""
    text = (
        '{ "datapoints" : [\n'
        '  {"metadata": {"b": 1.0, "a": 100000000000000000000000},\n'
        '   "inputs": {"\\u00e9": "\\ud83d\\ude00", "raw": "😀", "e": 1e300, "neg": -0.0},\n'
        '   "ground_truth": null, "id": "x"},\n'
        '  {"inputs": {"empty": {}, "list": []}, "ground_truth": {"deep": [[[]]]}}\n'
        "] }\n"
    )
    loaded = load_dataset_file(write(tmp_path / "mixed.json", text))
    reference = json.loads(text)["datapoints"]

    assert sha_dump(loaded) == sha_dump(reference)
    assert prepare_external_dataset(loaded) == prepare_external_dataset(reference)
    expected_id = "EXT-" + hashlib.sha256(sha_dump(reference).encode()).hexdigest()[:16]
    assert prepare_external_dataset(loaded)[0] == expected_id


_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet=st.characters(codec="utf-8"), max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
_objects = st.dictionaries(st.text(alphabet=st.characters(codec="utf-8"), max_size=6), _json_values)
_records = st.fixed_dictionaries(
    {"inputs": _objects},
    optional={"ground_truth": st.none() | _objects, "metadata": st.none() | _objects},
)


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(_records, min_size=1, max_size=5), ensure_ascii=st.booleans(), indent=st.sampled_from([None, 1])
)
def test_json_formats_round_trip_byte_for_byte(
    tmp_path_factory: pytest.TempPathFactory, records: list[Record], ensure_ascii: bool, indent: int | None
) -> None:
    folder = tmp_path_factory.mktemp("roundtrip", numbered=True)
    jsonl = write(folder / "d.jsonl", "\n".join(json.dumps(r, ensure_ascii=ensure_ascii) for r in records))
    whole = write(folder / "d.json", json.dumps(records, ensure_ascii=ensure_ascii, indent=indent))

    for path in (jsonl, whole):
        loaded = load_dataset_file(path)
        assert sha_dump(loaded) == sha_dump(records)
        assert [list(r) for r in loaded] == [list(r) for r in records]


CSV_TEXT = (
    " id ,question,inputs.n:int,inputs.score:float,inputs.ok:bool,inputs.a.b,inputs.t:o:str,"
    "ground_truth.answer,ground_truth.extra:json,metadata.tags:json\r\n"
    'q1,"Grüße, ""日本""",-7,2.5e1,Yes,dot,colon,Bern,"{""k"": [1, null]}","[""x""]"\r\n'
    ',"two\r\nlines",0,.5,0,,,,"""""",\r\n'
    ",,,,,,,,,\r\n"
    "\r\n"
    "q3, spaced ,+3,-1,FALSE,,,,null,\r\n"
)
CSV_EXPECTED: list[Record] = [
    {
        "id": "q1",
        "inputs": {"question": 'Grüße, "日本"', "n": -7, "score": 25.0, "ok": True, "a.b": "dot", "t:o": "colon"},
        "ground_truth": {"answer": "Bern", "extra": {"k": [1, None]}},
        "metadata": {"tags": ["x"]},
    },
    {"inputs": {"question": "two\r\nlines", "n": 0, "score": 0.5, "ok": False}, "ground_truth": {"extra": ""}},
    {
        "id": "q3",
        "inputs": {"question": " spaced ", "n": 3, "score": -1.0, "ok": False},
        "ground_truth": {"extra": None},
    },
]


@pytest.mark.parametrize("bom", [b"", BOM], ids=["plain", "bom"])
def test_csv_convention(tmp_path: Path, bom: bytes) -> None:
    loaded = load_dataset_file(write(tmp_path / "data.csv", bom + CSV_TEXT.encode("utf-8")))

    assert loaded == CSV_EXPECTED
    # types as declared, strings by default, empty cells omitted, empty sections omitted
    assert type(loaded[0]["inputs"]["n"]) is int
    assert type(loaded[1]["inputs"]["score"]) is float
    assert "id" not in loaded[1]
    assert "metadata" not in loaded[1]
    assert "metadata" not in loaded[2]
    assert prepare_external_dataset(loaded)[1][0] == "EXT-q1"


def test_csv_bare_columns_are_inputs_and_row_without_ground_truth_has_none(tmp_path: Path) -> None:
    text = "question,ground_truth.answer\nwhat?,42\nwhy?,\n"
    loaded = load_dataset_file(write(tmp_path / "plain.csv", text))
    assert loaded == [
        {"inputs": {"question": "what?"}, "ground_truth": {"answer": "42"}},
        {"inputs": {"question": "why?"}},
    ]
    assert loaded[1].get("ground_truth") is None  # the SDK then calls evaluators without ground truth


def test_a_bare_csv_column_named_like_a_section_is_an_input_and_warned_of(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # "ground_truths" (no dot) was silently the input inputs.ground_truths, and the evaluators saw no ground truth;
    # an input merely like a section's name (metadata_source, ground_truth_v2, data, meta) is not warned of
    legal = ("metadata_source", "ground_truth_v2", "data", "meta")
    path = write(tmp_path / "d.csv", f"question,ground_truths,meta_data,{','.join(legal)}\nq,a,m,1,2,3,4\n")
    [record] = load_dataset_file(path)
    assert list(record["inputs"]) == ["question", "ground_truths", "meta_data", *legal]
    assert [record.getMessage() for record in caplog.records] == [
        f"{path}:1: column {name!r}: no section prefix, so it is an input (inputs.{name}); did you mean {meant!r}? (a"
        " ground truth's column is ground_truth.<key>, metadata's metadata.<key>)"
        for name, meant in (("ground_truths", "ground_truth"), ("meta_data", "metadata"))
    ]


def test_a_csv_cell_longer_than_the_csv_modules_default_limit_is_read(tmp_path: Path) -> None:
    """A cell over 131,072 characters (a long document to summarise) was "invalid CSV: field larger than field limit
    (131072)", of a valid file; the module's limit, the process's, is left as it was."""
    document = "word " * 40_000
    default = csv.field_size_limit()
    loaded = load_dataset_file(write(tmp_path / "long.csv", f'question,context\nsummarise,"{document}"\n'))
    assert loaded == [{"inputs": {"question": "summarise", "context": document}}]
    assert csv.field_size_limit() == default


def test_csv_datapoint_id_column_is_the_rows_id_as_in_json(tmp_path: Path) -> None:
    loaded = load_dataset_file(write(tmp_path / "ids.csv", "datapoint_id,question\nq1,what?\n,why?\n"))
    assert loaded == [{"datapoint_id": "q1", "inputs": {"question": "what?"}}, {"inputs": {"question": "why?"}}]
    assert prepare_external_dataset(loaded)[1][0] == "EXT-q1"


def test_large_dataset_loads_in_one_pass_and_finds_a_late_duplicate(tmp_path: Path) -> None:
    count = 20_000
    records = [{"id": f"q{i}", "inputs": {"question": f"q {i}", "n": i}} for i in range(count)]
    path = write(tmp_path / "big.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    assert load_dataset_file(path) == records

    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "EXT-q7", "inputs": {}}) + "\n")
    with pytest.raises(DatasetError) as info:
        load_dataset_file(path)
    assert (info.value.line, info.value.key) == (count + 1, None)
    assert info.value.message == "duplicate id 'EXT-q7' (first used at line 8, as 'q7')"

    csv_path = write(tmp_path / "big.csv", "id,inputs.n:int\n" + "".join(f"r{i},{i}\n" for i in range(count)))
    loaded = load_dataset_file(csv_path)
    assert len(loaded) == count
    assert loaded[-1] == {"id": f"r{count - 1}", "inputs": {"n": count - 1}}


# ------------------------------------------------------------------------------------------------ errors

J = "d.jsonl"
JS = "d.json"
C = "d.csv"

MALFORMED: list[tuple[str, str, bytes | str, str | None, str]] = [
    # (case id, file name, content, location, message)
    ("jsonl-bad-json", J, '{"inputs": {}}\n{"inputs": \n', "2: column 12", "invalid JSON: Expecting value"),
    ("jsonl-trailing-garbage", J, '{"inputs": {}} x\n', "1: column 16", "invalid JSON: Extra data"),
    ("jsonl-not-object", J, '{"inputs": {}}\n[1, 2]\n', "2", "a record must be a JSON object, found a list"),
    # a .json file's shape in a .jsonl file: said "invalid JSON: Expecting ..." alone (new-user audit R8)
    (
        "jsonl-pretty-printed",
        J,
        '{\n  "id": "a",\n  "inputs": {"q": 1}\n}\n',
        "1: column 2",
        "invalid JSON: Expecting property name enclosed in double quotes; a .jsonl file holds one JSON object per"
        " line: write each on one line (an object over several lines is a .json file's: a list of objects)",
    ),
    (
        "jsonl-pretty-key-on-first-line",
        J,
        '{"id": "a",\n  "inputs": {}}\n',
        "1: column 12",
        "invalid JSON: Expecting property name enclosed in double quotes; a .jsonl file holds one JSON object per"
        " line: write each on one line (an object over several lines is a .json file's: a list of objects)",
    ),
    (
        "jsonl-array",
        J,
        '[\n  {"inputs": {}}\n]\n',
        "1: column 2",
        "invalid JSON: Expecting value; this is a JSON array: name the file .json (a .jsonl file holds one JSON"
        " object per line)",
    ),
    (
        "jsonl-array-on-one-line",
        J,
        '[{"inputs": {}}, {"inputs": {}}]\n',
        "1",
        "a record must be a JSON object, found a list of objects: name the file .json (a JSON array)",
    ),
    (
        "jsonl-cut-short",
        J,
        '{"inputs": {}}\n{"inputs": \n{"inputs": {}}\n',
        "2: column 12",
        "invalid JSON: Expecting value",
    ),
    ("jsonl-inputs-missing", J, '\n{"ground_truth": {}}\n', "2", "missing 'inputs' (an object)"),
    ("jsonl-inputs-not-object", J, '{"inputs": "q"}', "1", "'inputs' must be an object, found a string"),
    ("jsonl-inputs-null", J, '{"inputs": null}', "1", "'inputs' must be an object, found null"),
    (
        "jsonl-unknown-key",
        J,
        '{"inputs": {}, "expected": 1}',
        "1",
        "unknown key 'expected' (allowed: datapoint_id, ground_truth, history, id, inputs, metadata)",
    ),
    (
        "jsonl-metadata-list",
        J,
        '{"inputs": {}, "metadata": []}',
        "1",
        "'metadata' must be an object or null, found a list",
    ),
    (
        "jsonl-history-item",
        J,
        '{"inputs": {}, "history": [{}, 1]}',
        "1",
        "'history' item 1 must be an object, found a number",
    ),
    (
        "jsonl-history-string",
        J,
        '{"inputs": {}, "history": "x"}',
        "1",
        "'history' must be a list of objects or null, found a string",
    ),
    (
        "jsonl-id-number",
        J,
        '{"id": 5, "inputs": {}}',
        "1",
        "'id' must be a non-empty string or null, found a number",
    ),
    (
        "jsonl-id-empty",
        J,
        '{"datapoint_id": "", "inputs": {}}',
        "1",
        "'datapoint_id' must be a non-empty string or null, found an empty string",
    ),
    # SQLite's json_extract cuts a text at NUL: on the embedded backend the datapoint came back as an empty "gone" one
    (
        "jsonl-id-nul",
        J,
        '{"inputs": {}}\n{"id": "nul\\u0000byte", "inputs": {}}\n',
        "2",
        "'id' has a control character (U+0000) at index 3: an id must be printable text",
    ),
    (
        "json-datapoint-id-newline",
        JS,
        '[{"datapoint_id": "two\\nlines", "inputs": {}}]',
        "1: record 1",
        "'datapoint_id' has a control character (U+000A) at index 3: an id must be printable text",
    ),
    (
        "csv-id-control",
        C,
        "id,inputs.q\nq\x01,a\n",
        "2",
        "'id' has a control character (U+0001) at index 1: an id must be printable text",
    ),
    (
        "jsonl-both-ids",
        J,
        '{"id": "a", "datapoint_id": "b", "inputs": {}}',
        "1",
        "both 'id' and 'datapoint_id' are set; use one",
    ),
    (
        "jsonl-duplicate-id-after-prefix",
        J,
        '{"id": "q1", "inputs": {}}\n{"inputs": {}}\n{"datapoint_id": "EXT-q1", "inputs": {}}\n',
        "3",
        "duplicate id 'EXT-q1' (first used at line 1, as 'q1')",
    ),
    ("jsonl-duplicate-key", J, '{"inputs": {"a": 1, "a": 2}}', "1", "an object repeats the key 'a'"),
    ("jsonl-nan", J, '{"inputs": {"a": NaN}}', "1", "NaN is not valid JSON (numbers must be finite)"),
    # Python reads these, and then the run could not send them: they failed every datapoint as a "backend error"
    (
        "jsonl-float-overflow",
        J,
        '{"inputs": {"a": -1e999}}',
        "1",
        "-1e999 is out of range (numbers must be finite)",
    ),
    ("jsonl-lone-surrogate", J, '{"inputs": {"a": "x\\ud800"}}', "1", LONE_SURROGATE),
    ("json-lone-low-surrogate", JS, '[{"inputs": {"a": "\\udc00"}}]', "1: record 1", LONE_SURROGATE),
    ("jsonl-int-too-long", J, '{"inputs": {"a": %s}}' % ("9" * 5000), "1", "a number with too many digits"),
    (
        "csv-json-overflow",
        C,
        "inputs.v:json\n1e999\n",
        "2: column 'inputs.v:json'",
        "1e999 is out of range (numbers must be finite)",
    ),
    # PowerShell 5's `>` and Out-File write UTF-16: "not valid UTF-8 (byte 0xff)" did not say so
    (
        "jsonl-utf16",
        J,
        '{"inputs": {}}\n'.encode("utf-16"),
        "1",
        "saved as UTF-16 (byte-order mark FF FE): save it as UTF-8",
    ),
    (
        "json-utf16-be",
        JS,
        '[{"inputs": {}}]'.encode("utf-16-be").join([b"\xfe\xff", b""]),
        "1",
        "saved as UTF-16 (byte-order mark FE FF): save it as UTF-8",
    ),
    ("csv-utf16", C, "q\nok\n".encode("utf-16"), "1", "saved as UTF-16 (byte-order mark FF FE): save it as UTF-8"),
    ("jsonl-bad-utf8", J, b'{"inputs": {}}\n{"inputs": {"a": "\xff"}}\n', "2", "not valid UTF-8 (byte 0xff)"),
    ("jsonl-empty", J, "", None, "the file is empty (no non-blank line)"),
    ("jsonl-blank-only", J, "\n  \r\n\t\n", None, "the file is empty (no non-blank line)"),
    (
        "json-ground-truth-string",
        JS,
        '[\n  {"inputs": {}},\n  {"inputs": {}, "ground_truth": "yes"}\n]',
        "3: record 2",
        "'ground_truth' must be an object or null, found a string",
    ),
    (
        "json-not-object",
        JS,
        '[{"inputs": {}}, 3]',
        "1: record 2",
        "a record must be a JSON object, found a number",
    ),
    (
        "json-missing-comma",
        JS,
        '[\n  {"inputs": {}}\n  {"inputs": {}}\n]',
        "3: column 3",
        "invalid JSON: Expecting ',' or ']'",
    ),
    (
        "json-syntax-inside-record",
        JS,
        '[\n {"inputs": {"a": tru}}\n]',
        "2: column 19",
        "invalid JSON: Expecting value",
    ),
    ("json-truncated", JS, '[{"inputs": {}},', "1: column 17", "invalid JSON: Expecting value"),
    ("json-unclosed", JS, '[{"inputs": {}}', "1: column 16", "invalid JSON: Unexpected end of file"),
    (
        "json-extra-data",
        JS,
        '[{"inputs": {}}]\n]',
        "2: column 1",
        "invalid JSON: Extra data after the top-level value",
    ),
    (
        "json-top-level-string",
        JS,
        '\n  "hello"',
        "2: column 3",
        'the top level must be a list of records or an object {"datapoints": [...]}, found a string',
    ),
    (
        "json-unknown-wrapper-key",
        JS,
        '{"datapoints": [{"inputs": {}}],\n "name": "x"}',
        "2: column 2",
        "unknown top-level key 'name'; the top-level object holds only 'datapoints'",
    ),
    (
        "json-datapoints-twice",
        JS,
        '{"datapoints": [{"inputs": {}}], "datapoints": []}',
        "1: column 34",
        "'datapoints' appears twice",
    ),
    (
        "json-datapoints-not-list",
        JS,
        '{"datapoints": {"inputs": {}}}',
        "1: column 16",
        "'datapoints' must be a list, found an object",
    ),
    ("json-wrapper-without-datapoints", JS, "{ }", "1: column 3", "the top-level object has no 'datapoints' list"),
    (
        "json-duplicate-id",
        JS,
        '[{"id": "a", "inputs": {}},\n{"id": "b", "inputs": {}},\n{"id": "a", "inputs": {}}]',
        "3: record 3",
        "duplicate id 'a' (first used at line 1)",  # as the file writes it
    ),
    (
        "json-infinity",
        JS,
        '[{"inputs": {}},\n {"inputs": {"x": -Infinity}}]',
        "2: record 2",
        "-Infinity is not valid JSON (numbers must be finite)",
    ),
    (
        "json-duplicate-key-in-record",
        JS,
        '[{"inputs": {},\n  "inputs": {"a": 1}}]',
        "1: record 1",
        "an object repeats the key 'inputs'",
    ),
    ("json-empty-list", JS, "[ ]", None, "the dataset has no records"),
    ("json-empty-file", JS, b"\xef\xbb\xbf \n", None, "the file is empty"),
    ("json-bad-utf8", JS, b'[\n{"inputs": {"a": "\xc3\x28"}}]', "2", "not valid UTF-8 (byte 0xc3)"),
    ("csv-bad-int", C, "q,inputs.n:int\na,1\nb,x\n", "3: column 'inputs.n:int'", "'x' is not an integer"),
    ("csv-int-is-not-float", C, "inputs.n:int\n1.5\n", "2: column 'inputs.n:int'", "'1.5' is not an integer"),
    ("csv-bad-float", C, "inputs.f:float\nnan\n", "2: column 'inputs.f:float'", "'nan' is not a number"),
    ("csv-float-overflow", C, "inputs.f:float\n1e999\n", "2: column 'inputs.f:float'", "'1e999' is out of range"),
    (
        "csv-bad-bool",
        C,
        "inputs.b:bool\nmaybe\n",
        "2: column 'inputs.b:bool'",
        "'maybe' is not a boolean (true/false, yes/no, 1/0)",
    ),
    (
        "csv-bad-json",
        C,
        'a,metadata.m:json\n1,"{x"\n',
        "2: column 'metadata.m:json'",
        "invalid JSON: Expecting property name enclosed in double quotes (at character 2)",
    ),
    (
        "csv-json-nan",
        C,
        "a,inputs.v:json\n1,NaN\n",
        "2: column 'inputs.v:json'",
        "NaN is not valid JSON (numbers must be finite)",
    ),
    (
        "csv-unknown-type",
        C,
        "q,inputs.n:integer\na,1\n",
        "1: column 'inputs.n:integer'",
        "unknown type suffix ':integer' (use one of :str, :int, :float, :bool, :json)",
    ),
    (
        "csv-bad-value-in-multiline-row",
        C,
        'a,inputs.n:int\n"x\ny",1\n"p\nq\nr",bad\n',
        "4: column 'inputs.n:int'",
        "'bad' is not an integer",
    ),
    ("csv-row-too-long", C, "a,b\n1,2\n3,4,5\n", "3", "expected 2 cells (as in the header), found 3"),
    ("csv-row-too-short", C, "a,b\n1\n", "2", "expected 2 cells (as in the header), found 1"),
    (
        "csv-line-after-multiline-cell",
        C,
        'a,inputs.n:int\n"x\ny\nz",1\nw,oops\n',
        "5: column 'inputs.n:int'",
        "'oops' is not an integer",
    ),
    (
        "csv-section-typo",
        C,
        "q,groundtruth.answer\na,b\n",
        "1: column 'groundtruth.answer'",
        "unknown section 'groundtruth'; did you mean 'ground_truth'? (a column without a section is an input: write"
        " inputs.groundtruth.answer for an input key containing a dot)",
    ),
    (
        "csv-unknown-section",
        C,
        "q,expected.answer\na,b\n",
        "1: column 'expected.answer'",
        "unknown section 'expected'; use inputs.<key>, ground_truth.<key> or metadata.<key> (a column without a"
        " section is an input: write inputs.expected.answer for an input key containing a dot)",
    ),
    (
        "csv-section-without-key",
        C,
        "q,ground_truth\na,b\n",
        "1: column 'ground_truth'",
        "column 'ground_truth' needs a key: ground_truth.<key>",
    ),
    ("csv-empty-key", C, "q,inputs.:int\na,1\n", "1: column 'inputs.:int'", "missing key after 'inputs.'"),
    ("csv-empty-header", C, "q,,r\na,b,c\n", "1: column 2", "empty column header"),
    ("csv-duplicate-column", C, "q,inputs.q:int\na,1\n", "1: column 'inputs.q:int'", "the same key as column 'q'"),
    # a spreadsheet's "CSV" in some locales: one column whose header holds the others (no input key is like that)
    ("csv-semicolons", C, "inputs.q;ground_truth.a\nx;y\n", "1", f"{ONE_COLUMN} semicolons: {USE_COMMAS}"),
    ("csv-tabs", C, "q\tinputs.n:int\nx\t1\n", "1", f"{ONE_COLUMN} tabs: {USE_COMMAS}"),
    ("csv-typed-id", C, "id:int,q\n1,a\n", "1: column 'id:int'", "the 'id' column takes no type suffix"),
    (
        "jsonl-content-in-a-json-file",
        JS,
        '{"inputs": {"q": 1}}\n{"inputs": {"q": 2}}\n',
        "1: column 2",
        "unknown top-level key 'inputs'; the top-level object holds only 'datapoints' (one object per line? name"
        " the file .jsonl)",
    ),
    (
        "jsonl-two-files-joined",
        J,
        b'{"inputs": {}}\n' + BOM + b'{"inputs": {}}\n',
        "2",
        "a byte-order mark (U+FEFF) starts the line: two files joined?",
    ),
    ("csv-both-ids", C, "id,datapoint_id,q\nA,,1\nB,C,2\n", "3", "both 'id' and 'datapoint_id' are set; use one"),
    (
        "csv-id-twice",
        C,
        "datapoint_id,q\nA,1\nEXT-A,2\n",
        "3",
        "duplicate id 'EXT-A' (first used at line 2, as 'A')",
    ),
    ("csv-duplicate-id", C, "id,q\nA,1\n,2\nA,3\n", "4", "duplicate id 'A' (first used at line 2)"),
    ("csv-bad-utf8", C, b"q\nok\n\xff\n", "3", "not valid UTF-8 (byte 0xff)"),
    # an unclosed quote is reported at the row it opens in, not read as one cell holding the rest of the file
    (
        "csv-unclosed-quote",
        C,
        'id,q\na,What is 1?\nb,"Say ""hi"" 2\nc,What is 3?\nd,What is 4?\n',
        "3",
        "invalid CSV: a quote opened in this row is never closed: unexpected end of data",
    ),
    ("csv-text-after-closing-quote", C, 'q\n"x"y\n', "2", "invalid CSV: ',' expected after '\"'"),
    ("csv-header-only", C, "q,ground_truth.a\n", None, "the dataset has no records"),
    ("csv-empty-rows-only", C, "q,r\n,\n\n", None, "the dataset has no records"),
    ("csv-empty-file", C, BOM, None, "the file is empty (no header row)"),
    ("csv-blank-header", C, "\nq\na\n", "1", "the header row is empty"),
    (
        "unsupported-extension",
        "d.txt",
        '{"inputs": {}}',
        None,
        "unsupported dataset file type ('.txt'); use one of .jsonl, .json, .csv",
    ),
    (
        "no-extension",
        "dataset",
        '{"inputs": {}}',
        None,
        "unsupported dataset file type (no extension); use one of .jsonl, .json, .csv",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "location", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in MALFORMED],
)
def test_malformed_file_names_file_and_place(
    tmp_path: Path, name: str, content: bytes | str, location: str | None, message: str
) -> None:
    path = write(tmp_path / name, content)

    with pytest.raises(DatasetError) as info:
        load_dataset_file(path)

    error = info.value
    assert (error.file, error.message) == (str(path), message)
    # located as every error is: file:line: place on the line: message
    assert str(error) == (f"{path}:{location}: {message}" if location else f"{path}: {message}")
    assert error.__cause__ is None  # no chained traceback noise


def test_malformed_cases_cover_every_format() -> None:
    suffixes = {Path(case[1]).suffix for case in MALFORMED}
    assert {".jsonl", ".json", ".csv", ".txt", ""} <= suffixes
    assert len({case[0] for case in MALFORMED}) == len(MALFORMED)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    with pytest.raises(DatasetError) as info:
        load_dataset_file(path)
    assert str(info.value) == f"{path}: file not found"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    path = tmp_path / "folder.json"
    path.mkdir()
    with pytest.raises(DatasetError) as info:
        load_dataset_file(path)
    assert str(info.value) == f"{path}: is a directory, not a dataset file"


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_named_pipe_for_a_file_to_read_is_refused_unopened(quickstart: Path, command: str) -> None:
    """A FIFO as the experiment file made validate and run wait for a writer for ever; one as the dataset file was
    "dataset file ... not found" (the wrong reason). Each is said as the report paths say it, exit 2, opening none.
    In a process of its own, so the old code's hang is a timeout, not a stuck test."""
    config, dataset = quickstart / ".honeyhive" / "experiment.yml", quickstart / "data" / "questions.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "GITHUB_"))}
    command_line = [sys.executable, "-m", "honeyhive_experiment", command, "-C", str(quickstart)]
    command_line += ["--no-probe"] if command == "validate" else ["--dry-run", "--no-html"]
    for fifo, shown in ((dataset, "data/questions.jsonl"), (config, ".honeyhive/experiment.yml")):
        fifo.unlink()
        os.mkfifo(fifo)

        done = subprocess.run(command_line, capture_output=True, text=True, env=env, timeout=60, check=False)

        assert done.returncode == 2, done.stderr
        assert f"{shown}: is a named pipe: give a regular file\n" in done.stderr
        assert "Traceback" not in done.stderr


def test_path_is_shown_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "rel.jsonl", '{"inputs": 1}\n')
    with pytest.raises(DatasetError) as info:
        load_dataset_file("rel.jsonl")
    assert str(info.value) == "rel.jsonl:1: 'inputs' must be an object, found a number"


def test_dataset_error_is_an_exception_with_fields_and_survives_pickling() -> None:
    error = DatasetError("data/x.csv", 4, "column 'inputs.n:int'", "'x' is not an integer")
    assert isinstance(error, Exception)
    assert str(error) == "data/x.csv:4: column 'inputs.n:int': 'x' is not an integer"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.file, copy.line, copy.key, copy.message) == (error.file, error.line, error.key, error.message)
    assert str(DatasetError("x.json", None, None, "the file is empty")) == "x.json: the file is empty"


def test_a_dataset_error_says_its_place_as_the_log_announces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the log said "data/q.jsonl:4: column 83: ..." and the report and validate "data/q.jsonl:line 4, column 83: ..."
    from honeyhive_experiment.delivery import announce
    from honeyhive_experiment.settings import Settings

    monkeypatch.chdir(tmp_path)
    write(tmp_path / "q.jsonl", '{"inputs": {}}\n{"inputs": {}, "x": }\n')
    with pytest.raises(DatasetError) as info:
        load_dataset_file("q.jsonl")
    announce(Settings.from_args({}, {}), "error", info.value)

    assert str(info.value) == "q.jsonl:2: column 21: invalid JSON: Expecting value"
    assert capsys.readouterr().err == f"error: {info.value}\n"


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("ground_truths", "ground_truth"),
        ("input", "inputs"),
        ("meta_data", "metadata"),
        ("datapointid", "datapoint_id"),
    ],
)
def test_a_misspelt_record_key_is_refused_with_the_key_it_may_mean(tmp_path: Path, written: str, meant: str) -> None:
    # refused as "unknown key 'ground_truths' (allowed: ...)", the user left to spot the one letter
    path = write(tmp_path / "q.jsonl", '{"inputs": {}}\n' + json.dumps({"inputs": {}, written: {}}) + "\n")
    with pytest.raises(DatasetError) as info:
        load_dataset_file(path)
    assert (info.value.line, info.value.key) == (2, None)
    assert info.value.message.startswith(f"unknown key {written!r}; did you mean {meant!r}? (allowed: ")


def test_allowed_keys_are_documented() -> None:
    assert frozenset({"id", "datapoint_id", "inputs", "ground_truth", "metadata", "history"}) == ALLOWED_RECORD_KEYS


# ------------------------------------------------------------------------------------- every row's problem


def _issues(path: Path) -> list[str]:
    with pytest.raises(DatasetError) as info:
        load_dataset_file(path)
    assert info.value.issues[0] is info.value  # the first problem is the error raised, as it was alone
    return [str(issue).removeprefix(f"{path}:") for issue in info.value.issues]


@pytest.mark.parametrize(
    ("name", "encoding", "said"),
    [
        ("q.jsonl", "utf-16", "UTF-16 (byte-order mark FF FE)"),  # line 1 said so, then every other "invalid JSON"
        ("q.jsonl", "utf-16-le", "UTF-16 LE (no byte-order mark: NUL bytes between its characters)"),
        ("q.json", "utf-16-le", "UTF-16 LE (no byte-order mark: NUL bytes between its characters)"),  # "column 2: inv"
        ("q.json", "utf-32-be", "UTF-32 BE (no byte-order mark: NUL bytes between its characters)"),
        ("q.csv", "utf-16-be", "UTF-16 BE (no byte-order mark: NUL bytes between its characters)"),  # NULs as inputs
    ],
)
def test_a_file_saved_as_utf16_says_so_once(tmp_path: Path, name: str, encoding: str, said: str) -> None:
    """PowerShell 5's ``>`` writes UTF-16: with a byte-order mark a .jsonl file's line 1 said so and each other line
    "invalid JSON" (20 errors and N more); without one, UTF-16 decodes as UTF-8 (its NULs are valid) and the
    encoding was never said."""
    records = [{"id": f"q{index}", "inputs": {"q": "cafe"}} for index in range(30)]  # ASCII: UTF-8 decodes it
    if name.endswith(".jsonl"):
        text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    elif name.endswith(".json"):
        text = json.dumps(records, ensure_ascii=False)
    else:
        text = "id,inputs.q\n" + "".join(f"q{index},cafe\n" for index in range(30))
    path = write(tmp_path / name, text.encode(encoding))

    assert _issues(path) == [f"1: saved as {said}: save it as UTF-8"]


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        pytest.param(
            J,
            '{"id": "a", "inputs": {}}\n{"input": {}}\n{"inputs": {}, "x": }\n\xff\n{"id": "EXT-a", "inputs": {}}\n'
            '{"inputs": []}\n{"inputs": {}}\n',
            [
                "2: unknown key 'input'; did you mean 'inputs'? (allowed: datapoint_id, ground_truth, history, id,"
                " inputs, metadata)",
                "3: column 21: invalid JSON: Expecting value",
                "4: not valid UTF-8",
                "5: duplicate id 'EXT-a' (first used at line 1, as 'a')",
                "6: 'inputs' must be an object, found a list",
            ],
            id="jsonl",
        ),
        pytest.param(
            J,
            '{"inputs": {"a": 1},\n{"inputs": {}}\n{"input": {}}\n',
            [
                "1: column 21: invalid JSON: Expecting property name enclosed in double quotes",
                "3: unknown key 'input'; did you mean 'inputs'? (allowed: datapoint_id, ground_truth, history, id,"
                " inputs, metadata)",
            ],
            id="jsonl-the-line-after-one-left-open",  # looked at for the hint, and still read, on its own line
        ),
        pytest.param(
            JS,
            '[{"id": "a", "inputs": {}},\n {"input": {}},\n {"inputs": 3},\n {"id": "a", "inputs": {}},\n'
            ' {"inputs": {}}]\n',
            [
                "2: record 2: unknown key 'input'; did you mean 'inputs'? (allowed: datapoint_id, ground_truth,"
                " history, id, inputs, metadata)",
                "3: record 3: 'inputs' must be an object, found a number",
                "4: record 4: duplicate id 'a' (first used at line 1)",
            ],
            id="json",
        ),
        pytest.param(
            C,
            "id,n:int,ok:bool\na,1,yes\nb,x,maybe\nc,2\na,3,no\nd,4,no\n",
            [
                "3: column 'n:int': 'x' is not an integer",
                "3: column 'ok:bool': 'maybe' is not a boolean (true/false, yes/no, 1/0)",
                "4: expected 3 cells (as in the header), found 2",
                "5: duplicate id 'a' (first used at line 2)",
            ],
            id="csv",
        ),
    ],
)
def test_every_rows_problem_is_said_at_once(tmp_path: Path, name: str, content: str, said: list[str]) -> None:
    # said one at a time: a user with five bad rows fixed one, ran validate again, and found the next
    path = write(tmp_path / name, content.encode("utf-8").replace("\xff".encode(), b"\xff"))
    issues = _issues(path)
    assert [issue.split(" (byte", 1)[0] for issue in issues] == said


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        pytest.param(
            J,
            '{"input": {}}\n[\n{"a": 1}\n]\n',
            "2: column 2: invalid JSON: Expecting value; this is a JSON array",
            id="jsonl-array",
        ),
        pytest.param(
            JS,
            '[{"input": {}},\n {"inputs": {}} {"inputs": {}}]',
            "2: column 17: invalid JSON: Expecting ',' or ']'",
            id="json-syntax",
        ),
        pytest.param(
            C, 'q\n"a"\n"b",c\n"x\n', "4: invalid CSV: a quote opened in this row is never closed", id="csv-quote"
        ),
    ],
)
def test_a_problem_that_ends_the_reading_is_said_after_the_rows_before_it(
    tmp_path: Path, name: str, content: str, said: str
) -> None:
    # a syntax error a reader cannot get past (where the next record starts is unknown) stops it, the rows' problems
    # found before it still said
    path = write(tmp_path / name, content)
    issues = _issues(path)
    assert len(issues) == 2, issues
    assert issues[1].startswith(said), issues


def test_the_rows_problems_are_said_up_to_a_cap_and_the_rest_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", '{"inputs": {}}\n' + '{"input": {}}\n' * (SHOWN + 7))
    issues = _issues(path)
    assert len(issues) == SHOWN + 1
    assert [issue.split(":", 1)[0] for issue in issues[:SHOWN]] == [str(line) for line in range(2, SHOWN + 2)]
    assert issues[-1] == f" and 7 more problem(s) in its rows, not shown here (the first {SHOWN} are)"
