"""Paths from a committed config stay inside the working directory: ``..`` and symlinks (to a file or a folder)
that lead out are refused, as a config error naming the key, or as a template that cannot be included."""

from __future__ import annotations

from pathlib import Path

import pytest

from honeyhive_experiment.cli import main
from honeyhive_experiment.paths import inside
from honeyhive_experiment.report.comment import TemplateError, custom_template
from tests.honeyhive_experiment.report.scenarios import pass_input, render_comment

pytestmark = pytest.mark.unit


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """repo/ with data/ and a file, a secret file beside the repo, and symlinks both ways."""
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    (repo / "data" / "q.jsonl").write_text("{}\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.jsonl").write_text("{}\n")
    (repo / "link-to-file.jsonl").symlink_to(tmp_path / "outside" / "secret.jsonl")
    (repo / "link-to-dir").symlink_to(tmp_path / "outside")
    (repo / "inner-link.jsonl").symlink_to(repo / "data" / "q.jsonl")
    return repo


@pytest.mark.parametrize(
    ("relative", "allowed"),
    [
        ("data/q.jsonl", True),
        ("data/../data/q.jsonl", True),
        ("inner-link.jsonl", True),  # a symlink that stays inside is fine
        (".", True),
        ("../outside/secret.jsonl", False),
        ("data/../../outside/secret.jsonl", False),
        ("link-to-file.jsonl", False),
        ("link-to-dir/secret.jsonl", False),
        ("/etc/passwd", False),
    ],
)
def test_inside(tree: Path, relative: str, allowed: bool) -> None:
    found = inside(tree, relative)
    assert (found is not None) is allowed
    if found is not None:
        assert found.is_relative_to(tree.resolve())


@pytest.fixture
def repo(quickstart: Path) -> Path:
    """The quickstart (``conftest.py``), plus a dataset beside it, ../elsewhere.jsonl, and data/linked.jsonl, a
    symlink to that one."""
    elsewhere = quickstart.parent / "elsewhere.jsonl"
    elsewhere.write_text('{"inputs": {"question": "q"}}\n')
    (quickstart / "data" / "linked.jsonl").symlink_to(elsewhere)
    return quickstart


@pytest.mark.parametrize(
    ("old", "new", "where", "advice"),
    [
        ("path: data/questions.jsonl", "path: ../elsewhere.jsonl", "experiment.yml:6: dataset.path", None),
        ("path: data/questions.jsonl", "path: data/linked.jsonl", "experiment.yml:6: dataset.path", None),
        (
            "comment: {max_datapoints: 10}",
            "comment: {max_datapoints: 10, template: ../elsewhere.jsonl}",
            "experiment.yml:21: comment.template",
            None,
        ),
        (
            "comment: {max_datapoints: 10}",
            "comment: {max_datapoints: 10, template: data/linked.jsonl}",
            "experiment.yml:21: comment.template",
            None,
        ),
        # a link named like a file of the folder that stays inside: that one is meant, maybe
        (
            "path: data/questions.jsonl",
            "path: data/question.jsonl",
            "dataset.path",
            "did you mean data/questions.jsonl?",
        ),
    ],
    ids=["dotdot-dataset", "symlinked-dataset", "dotdot-template", "symlinked-template", "link-beside-a-close-file"],
)
def test_validate_refuses_a_config_path_that_leads_outside(
    repo: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, where: str, advice: str | None
) -> None:
    """It said "did you mean data/linked.jsonl?" of data/linked.jsonl itself (the file, found beside its own name), and
    so not "keep it inside the repository"."""
    (repo / "data" / "question.jsonl").symlink_to(repo.parent / "elsewhere.jsonl")
    config = repo / ".honeyhive" / "experiment.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert main(["validate", "--no-probe", "-C", str(repo)]) == 2
    err = capsys.readouterr().err
    assert where in err, err
    assert "leads outside the working directory" in err
    assert err.rstrip().endswith(advice or "(which -C sets); keep it inside the repository"), err


EXTENDED = '{% extends "builtin/comment.md.j2" %}{% block links %}{{ super() }}{% include "extra.md" %}{% endblock %}'


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, ".honeyhive/c.md.j2: template file not found"),
        (
            {"c.md.j2": "{{ marker }}\n{% if verdict %}oops\n"},
            ".honeyhive/c.md.j2:2: invalid template: Unexpected end of template",
        ),
        (
            {"c.md.j2": EXTENDED, "extra.md": "extra {{ 1 + }}"},
            ".honeyhive/extra.md:1: invalid template: unexpected 'end of print statement'",
        ),
        ({"c.md.j2": '{{ marker }}{% include "gone.md" %}'}, ".honeyhive/c.md.j2: template not found: gone.md"),
        # each include on its own: a list needs one of its names, a conditional each of its names, and another
        # include's ``ignore missing`` makes nothing optional here (all three passed, then failed the report)
        (
            {"c.md.j2": '{{ marker }}{% include ["nope.md", "nada.md"] %}'},
            ".honeyhive/c.md.j2: template not found: nope.md or nada.md",
        ),
        (
            {"c.md.j2": '{{ marker }}{% include "ok.md" if verdict else "gone.md" %}', "ok.md": "ok"},
            ".honeyhive/c.md.j2: template not found: gone.md",
        ),
        (
            {"c.md.j2": '{{ marker }}{% include "gone.md" ignore missing %}{% include "gone.md" %}'},
            ".honeyhive/c.md.j2: template not found: gone.md",
        ),
        (
            {"c.md.j2": '{{ marker }}{% include "part.md" %}', "part.md": '{% include "gone.md" %}'},
            ".honeyhive/part.md: template not found: gone.md",
        ),
        (
            {"c.md.j2": "{{ marker }}\n{{ no_such_name.value }}\n"},
            ".honeyhive/c.md.j2: rendering failed: UndefinedError: 'no_such_name' is undefined (rendering a sample",
        ),
    ],
    ids=[
        "missing",
        "syntax-error",
        "included-syntax-error",
        "included-missing",
        "list-include-none-found",
        "conditional-include",
        "ignore-missing-elsewhere",
        "missing-in-an-included-file",
        "renders-an-undefined-name",
    ],
)
@pytest.mark.parametrize("command", [["validate", "--no-probe"], ["run", "--dry-run"]])
def test_a_template_that_cannot_load_is_a_config_error_before_any_datapoint_runs(
    repo: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], message: str, command: list[str]
) -> None:
    """validate said ok, and run ran every datapoint before the report found the template (or a file it includes or
    extends) missing or broken, or its comment (rendered from a sample report now) without the marker or failing."""
    config = repo / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("{max_datapoints: 10}", "{max_datapoints: 10, template: .honeyhive/c.md.j2}"))
    for name, source in files.items():
        (repo / ".honeyhive" / name).write_text(source)
    assert main([*command, "-C", str(repo)], environ={}) == 2
    err = capsys.readouterr().err
    assert f"experiment.yml:21: comment.template: {message}" in err, err
    assert "datapoints (" not in err, err  # no progress: nothing ran


@pytest.mark.parametrize(
    "source",
    [
        '{% extends "builtin/comment.md.j2" %}{% block links %}{{ super() }}extra{% endblock %}',
        "{{ marker }}\n{{ title }}: {{ headline }} ({{ run.url }}, {{ baseline.label }})\n",
        # what a passing run with datapoints and history has: the page's link and the key metrics' trend
        "{{ marker }}\nReport: {{ html_report.name }}, trend rows: {{ trend.rows|length }}\n",
        "## {{ title }}\n{{ headline }}\n",  # without the marker, which the comment starts with anyway
    ],
    ids=["extends-the-built-in", "own", "reads-the-html-report-and-the-trend", "without-the-marker"],
)
def test_a_template_that_renders_a_comment_validates(
    repo: Path, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    config = repo / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("{max_datapoints: 10}", "{max_datapoints: 10, template: .honeyhive/c.md.j2}"))
    (repo / ".honeyhive" / "c.md.j2").write_text(source)
    assert main(["validate", "--no-probe", "-C", str(repo)], environ={}) == 0, capsys.readouterr().err


def test_view_and_runs_work_whatever_the_template_since_neither_renders_the_comment(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Checking the template with the experiment file made ``view`` and ``runs`` refuse to work on a broken one."""
    assert main(["run", "--dry-run", "-C", str(repo)], environ={}) == 0
    config = repo / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("{max_datapoints: 10}", "{max_datapoints: 10, template: .honeyhive/gone.md.j2}"))
    capsys.readouterr()
    assert main(["runs", "-C", str(repo)], environ={}) == 0
    assert main(["view", "--no-open", "-C", str(repo)], environ={}) == 0
    assert "comment.template" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "source",
    [
        '{% include ["nope.md", "ok.md"] %}',
        '{% include ["nope.md", name] %}',  # the render's to pick
        '{% include "ok.md" if verdict else "nope.md" ignore missing %}',
        '{% include "nope.md" ignore missing %}',
    ],
)
def test_an_include_that_can_do_without_a_file_loads(tmp_path: Path, source: str) -> None:
    (tmp_path / "ok.md").write_text("ok")
    (tmp_path / "c.md.j2").write_text(f"{{{{ marker }}}}{source}")
    custom_template(tmp_path / "c.md.j2")


@pytest.mark.parametrize("where", ["-C", "cwd"])
@pytest.mark.parametrize("command", [["validate", "--no-probe"], ["run", "--dry-run"]])
def test_an_include_a_symlink_leads_out_of_the_folder_is_refused_saying_so(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str], where: str
) -> None:
    """Run from inside the repository (no -C) the check joined the folder twice, found no such file, and let the
    include print what the link led to (the runner's /proc/self/environ) into the comment; with -C it was refused as
    "template not found", without the reason."""
    (repo.parent / "secret.md").write_text("TOP SECRET")
    folder = repo / ".honeyhive" / "tpl"
    folder.mkdir()
    (folder / "part.md").symlink_to(repo.parent / "secret.md")
    (folder / "c.md.j2").write_text(
        '{% extends "builtin/comment.md.j2" %}{% block table %}{{ super() }}[{% include "part.md" %}]{% endblock %}'
    )
    config = repo / ".honeyhive" / "experiment.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("{max_datapoints: 10}", "{max_datapoints: 10, template: .honeyhive/tpl/c.md.j2}"))
    monkeypatch.chdir(repo)
    assert main([*command, *(["-C", str(repo)] if where == "-C" else [])], environ={}) == 2
    out, err = capsys.readouterr()
    message = ".honeyhive/tpl/c.md.j2: cannot include part.md: a symlink leads it outside tpl/"
    assert f"experiment.yml:21: comment.template: {message}" in err, err
    assert "TOP SECRET" not in out + err


def test_a_template_cannot_include_a_file_a_symlink_leads_out_to(tmp_path: Path) -> None:
    (tmp_path / "secret.md").write_text("TOP SECRET")
    folder = tmp_path / "repo" / ".honeyhive"
    folder.mkdir(parents=True)
    (folder / "part.md").symlink_to(tmp_path / "secret.md")
    (folder / "ok.md").write_text("included fine")
    template = folder / "comment.md.j2"
    template.write_text('{{ marker }}\n{% include "ok.md" %}\n{% include "part.md" %}\n')
    with pytest.raises(TemplateError, match=r"part\.md") as caught:
        render_comment(pass_input(), template_path=template)
    assert "TOP SECRET" not in str(caught.value)
    template.write_text('{{ marker }}\n{% include "ok.md" %}\n')
    assert "included fine" in render_comment(pass_input(), template_path=template).text


@pytest.mark.parametrize(
    ("links", "report", "html"),
    [
        ({"a.json": "../precious.txt", "b.html": "../precious.txt"}, "a.json", "b.html"),  # two links to one file
        ({"b.html": "a.json"}, "a.json", "b.html"),  # a link to the other report
        ({"b.html": ".honeyhive/experiment.yml"}, "a.json", "b.html"),  # a link to a file the tool reads
    ],
    ids=["one-target", "to-the-report", "to-the-experiment-file"],
)
def test_a_report_named_by_a_link_is_refused_as_a_link_before_it_is_compared(
    quickstart: Path, capsys: pytest.CaptureFixture[str], links: dict[str, str], report: str, html: str
) -> None:
    """audit51 N5: two reports named by links to one file were "would both be written to …; name two files", and one
    linking to the experiment file "refusing to write … over the experiment file": the user removed one and was then
    told the other is a link. The link is said first, as it is of a single report named by one."""
    (quickstart.parent / "precious.txt").write_text("keep me\n", encoding="utf-8")
    (quickstart / "a.json").write_text("{}\n", encoding="utf-8")
    for name, target in links.items():
        (quickstart / name).unlink(missing_ok=True)
        (quickstart / name).symlink_to(target)
    first = next(name for name in (report, html) if name in links)  # the report is looked at first

    named = ["--report", str(quickstart / report), "--html", str(quickstart / html)]
    code = main(["run", "--dry-run", "-C", str(quickstart), *named], environ={})

    err = capsys.readouterr().err
    assert code == 2
    assert f"{first} is a symbolic link (to {links[first]})" in err
    assert "name two files" not in err
    assert "over the" not in err
    assert (quickstart.parent / "precious.txt").read_text(encoding="utf-8") == "keep me\n"
