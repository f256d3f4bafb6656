"""``honeyhive_experiment.report``: the package's map and its public names."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import honeyhive_experiment.report as report
from honeyhive_experiment import errors, gha

pytestmark = pytest.mark.unit

PACKAGE = Path(report.__file__).parent

# what the package offers its callers (delivery, history, flow): imported from honeyhive_experiment.report
FORMER_NAMES = [
    "COMMENT_LIMIT",
    "REDACTED",
    "REPORT_SCHEMA_ID",
    "REPORT_VERSION",
    "SECRET_PATTERNS",
    "SUMMARY_LIMIT_BYTES",
    "RedactingFilter",
    "Redactor",
    "Rendered",
    "Report",
    "TemplateError",
    "build_report",
    "load_published",
    "load_report",
    "comment_metadata",
    "format_delta",
    "format_number",
    "format_percentage_change",
    "humanize_age",
    "marker",
    "md_escape",
    "parse_comment_metadata",
    "render_comment",
    "render_summary",
    "render_terminal",
    "report_json",
    "report_json_schema",
    "report_json_schema_text",
]


def test_every_former_name_is_still_exported() -> None:
    assert set(FORMER_NAMES) <= set(report.__all__)
    for name in report.__all__:
        assert getattr(report, name) is not None, name


def test_each_name_has_one_owner() -> None:
    assert report.TemplateError is errors.TemplateError
    assert report.SUMMARY_LIMIT_BYTES == gha.SUMMARY_LIMIT


def test_the_docstring_maps_every_module() -> None:
    doc = report.__doc__ or ""
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem != "__init__":
            assert f"{path.name} " in doc, path.name
            importlib.import_module(f"honeyhive_experiment.report.{path.stem}")


def _module_level_imports(path: Path) -> set[str]:
    """Modules imported when ``path`` is imported (not inside functions, not under TYPE_CHECKING)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_jinja_is_imported_only_when_a_template_is_built() -> None:
    """Every job imports the report to redact its logs; a shard job renders nothing and must not load Jinja."""
    eager = {path.name: _module_level_imports(path) for path in sorted(PACKAGE.glob("*.py"))}
    assert {name for name, imported in eager.items() if any(n.split(".")[0] == "jinja2" for n in imported)} == set()


def test_a_submodule_is_an_attribute_and_an_unknown_name_is_not(tmp_path: Path) -> None:
    """In a fresh process (nothing of the package loaded yet): ``report.numbers`` is the module, as when the package
    imported every module at once; a name it does not have is an AttributeError, not an import error."""
    code = (
        "import honeyhive_experiment.report as r\n"
        "assert r.numbers.format_number(0.5) == '0.5', r.numbers\n"
        "try:\n    r.nope\nexcept AttributeError as exc:\n    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "module 'honeyhive_experiment.report' has no attribute 'nope'")
