"""action.yml, README's Inputs/Outputs tables and the settings model say the same thing.

action.yml is the file GitHub reads; ``honeyhive_experiment.settings.INPUTS`` and ``OUTPUT_NAMES`` are what
the code reads and writes; README's tables are what users read. A change to one without the others fails
here. (actionlint lints workflows, not action metadata, so action.yml's structure is checked here too.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from honeyhive_experiment.settings import INPUTS, OUTPUT_NAMES, Settings

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
NONE_MARK = "—"  # README's "no default"
BRANDING_COLORS = {"white", "black", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"}


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def readme_table(section: str) -> list[list[str]]:
    """The rows of the Markdown table between ``<!-- {section}:start -->`` and ``<!-- {section}:end -->``."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {section}:start -->\n(.*?)<!-- {section}:end -->", text, re.DOTALL)
    assert match, f"README.md has no <!-- {section}:start --> ... <!-- {section}:end --> block"
    lines = [line for line in match[1].splitlines() if line.strip()]
    assert len(lines) >= 2, "not a table"
    assert re.fullmatch(r"\|( *:?-+:? *\|)+", lines[1].replace(" ", "")), "no header separator"
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines[2:]]
    assert all(len(row) == len(rows[0]) for row in rows)
    return rows


def unquote(cell: str) -> str | None:
    if cell == NONE_MARK:
        return None
    assert cell.startswith("`"), f"README cell {cell!r}: names and defaults are code"
    assert cell.endswith("`"), f"README cell {cell!r}: names and defaults are code"
    return cell[1:-1]


def folded(text: str) -> str:
    return " ".join(str(text).split())


# ---------------------------------------------------------------------------------------------------- action.yml


def test_action_yml_is_a_docker_action(action: dict[str, Any]) -> None:
    assert set(action) <= {"name", "description", "author", "branding", "inputs", "outputs", "runs"}
    for key in ("name", "description", "author"):
        assert isinstance(action[key], str), key
        assert action[key].strip(), key
    assert action["branding"]["color"] in BRANDING_COLORS
    assert isinstance(action["branding"]["icon"], str)
    assert action["branding"]["icon"]
    runs = action["runs"]
    assert runs["using"] == "docker"
    assert runs["image"] == "Dockerfile"
    assert (REPO / runs["image"]).is_file()
    assert "entrypoint" not in runs, "the Dockerfile's ENTRYPOINT is the one entry point"
    assert "args" not in runs, "the action command takes its inputs from the environment"


def test_inputs_are_the_settings_inputs(action: dict[str, Any]) -> None:
    assert list(action["inputs"]) == [spec.name for spec in INPUTS]
    for name, spec in action["inputs"].items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name), f"{name}: inputs are kebab-case"
        assert set(spec) <= {"description", "required", "default"}, name
        assert isinstance(spec.get("description"), str), name
        assert spec["description"].strip(), name
        assert spec.get("required") is False, f"{name}: every input is optional"


def test_defaults_agree(action: dict[str, Any]) -> None:
    declared = {name: spec.get("default") for name, spec in action["inputs"].items()}
    for spec in INPUTS:
        default = declared[spec.name]
        assert isinstance(default, str | None), f"{spec.name}: quote the default so YAML keeps it a string"
        assert default == spec.default, spec.name
    # what action.yml passes for an untouched input parses to what the model assumes without it
    passed = {spec.env: spec.default for spec in INPUTS if spec.default is not None and "${{" not in spec.default}
    assert Settings.from_mapping(passed) == Settings.from_mapping({})
    assert declared["github-token"] == "${{ github.token }}"


def test_every_input_is_mapped_in_runs_env(action: dict[str, Any]) -> None:
    env = action["runs"]["env"]
    expected = {spec.env: f"${{{{ inputs.{spec.name} }}}}" for spec in INPUTS}
    assert env == expected
    assert len(set(env)) == len(INPUTS)
    for name in env:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"{name}: a shell must be able to read it"


# A value for every input that differs from its default, and where Settings shows it: proves that Settings
# reads each input under the variable runs.env maps it to.
NON_DEFAULT: dict[str, tuple[str, str, object]] = {
    "api-key": ("hh-contract-key", "api_key", "hh-contract-key"),
    "server-url": ("https://hh.example.com", "server_url", "https://hh.example.com"),
    "app-url": ("https://hh-app.example.com/", "app_url", "https://hh-app.example.com"),
    "config": ("evals/x.yml", "config", Path("evals/x.yml")),
    "github-token": ("ghs_contract", "github_token", "ghs_contract"),
    "job-token": ("ghs_job_contract", "job_token", "ghs_job_contract"),
    "baseline-run-id": ("run-77", "baseline_run_id", "run-77"),
    "mode": ("report", "mode", "report"),
    "shard": ("2/3", "shard", "2/3"),
    "dry-run": ("true", "dry_run", True),
    "comment-mode": ("off", "comment_mode", "off"),
    "variant": ("gpt-4o", "variant", "gpt-4o"),
    "working-directory": ("services/bot", "working_directory", Path("services/bot")),
    "fail-on-error": ("false", "fail_on_error", False),
    "install": ("-r 'my requirements.txt'", "install", ("-r", "my requirements.txt")),
    "trials": ("5", "trials", 5),
    "report": ("artifact/report.json", "report", Path("artifact/report.json")),
}


def test_settings_read_each_input_from_its_mapped_variable(action: dict[str, Any]) -> None:
    assert set(NON_DEFAULT) == {spec.name for spec in INPUTS}
    baseline = Settings.from_mapping({})
    variable = {
        value.removeprefix("${{ inputs.").removesuffix(" }}"): key for key, value in action["runs"]["env"].items()
    }
    for name, (text, field, expected) in NON_DEFAULT.items():
        env = {variable[name]: text}
        if name == "shard":
            env[variable["mode"]] = "run"  # shards only exist in mode run
        settings = Settings.from_mapping(env)
        value = getattr(settings, field)
        shown = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        shown = str(shown) if field in ("mode", "comment_mode", "shard") else shown
        assert shown == expected, name
        assert getattr(baseline, field) != value, f"{name}: pick a non-default value"


def test_outputs_are_the_settings_outputs(action: dict[str, Any]) -> None:
    assert list(action["outputs"]) == list(OUTPUT_NAMES)
    for name, spec in action["outputs"].items():
        assert set(spec) == {"description"}, f"{name}: a Docker action's outputs have only a description"
        assert spec["description"].strip()


def test_the_dockerfile_runs_the_action_command() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    entrypoints = re.findall(r"^ENTRYPOINT (.+)$", text, re.MULTILINE)
    assert entrypoints == ['["/opt/venv/bin/python", "-P", "-m", "honeyhive_experiment", "action"]']


def test_the_cli_has_the_action_command() -> None:
    from honeyhive_experiment.cli import build_parser

    assert build_parser().parse_args(["action"]).command == "action"


# ---------------------------------------------------------------------------------------------------- README


def test_readme_inputs_table(action: dict[str, Any]) -> None:
    rows = readme_table("inputs")
    assert [unquote(row[0]) for row in rows] == [spec.name for spec in INPUTS]
    for name, description, default in rows:
        spec = action["inputs"][unquote(name)]
        assert description == folded(spec["description"]), name
        assert unquote(default) == spec.get("default"), name


def test_readme_outputs_table(action: dict[str, Any]) -> None:
    rows = readme_table("outputs")
    assert [unquote(row[0]) for row in rows] == list(OUTPUT_NAMES)
    for name, description in rows:
        assert description == folded(action["outputs"][unquote(name)]["description"]), name


# ---------------------------------------------------------------------------------------------------- python/action.yml


@pytest.fixture(scope="module")
def composite() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO / "python" / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_composite_action_has_the_same_inputs(action: dict[str, Any], composite: dict[str, Any]) -> None:
    assert composite["inputs"] == action["inputs"]  # names, order, descriptions, defaults


def test_the_composite_action_has_the_same_outputs_read_from_its_run_step(
    action: dict[str, Any], composite: dict[str, Any]
) -> None:
    assert list(composite["outputs"]) == list(OUTPUT_NAMES)
    for name, spec in composite["outputs"].items():
        assert set(spec) == {"description", "value"}, name
        assert spec["description"] == action["outputs"][name]["description"], name
        assert spec["value"] == f"${{{{ steps.experiment.outputs.{name} }}}}", name


def test_the_composite_action_runs_the_same_entry_point_with_the_same_variables(
    action: dict[str, Any], composite: dict[str, Any]
) -> None:
    assert set(composite) <= {"name", "description", "author", "branding", "inputs", "outputs", "runs"}
    assert composite["branding"] == action["branding"]
    runs = composite["runs"]
    assert runs["using"] == "composite"
    steps = runs["steps"]
    assert all(step.get("shell") == "bash" for step in steps)
    (run,) = (step for step in steps if step.get("id") == "experiment")
    assert run["env"] == action["runs"]["env"]
    assert run["run"].strip() == "exec python -P -m honeyhive_experiment action"  # the shell, holding the tokens, goes
    install = steps[0]
    assert "github.action_path" in str(install["env"]), "installs the tool from the action's own checkout"
    assert "${{" not in install["run"], "expressions go through env:, never into the script"


def _action_step(workflow: str) -> dict[str, Any]:
    loaded = yaml.safe_load((REPO / "docs" / "workflows" / workflow).read_text(encoding="utf-8"))
    steps = [step for job in loaded["jobs"].values() for step in job["steps"]]
    (step,) = [step for step in steps if str(step.get("uses", "")).startswith("honeyhiveai/honeyhive-experiment@")]
    return {"with": step.get("with", {}), "steps": steps}


def test_run_for_publish_uploads_the_report_publish_reads_whatever_experiment_file_it_runs() -> None:
    """The run half names its report (else another experiment file's is named after that file, and the upload of
    .honeyhive/report.json would find nothing) and uploads it with its HTML page; the publish half reads that name."""
    run = _action_step("run-for-publish.yml")
    report = run["with"].get("report")
    assert report, "run-for-publish.yml leaves the report's name to the experiment file that config: names"
    (upload,) = [step for step in run["steps"] if str(step.get("uses", "")).startswith("actions/upload-artifact@")]
    uploaded = upload["with"]["path"].split()
    assert uploaded == [report, str(Path(report).with_suffix(".html"))]
    published = _action_step("publish.yml")["with"]["report"]
    assert Path(published).name == Path(report).name
