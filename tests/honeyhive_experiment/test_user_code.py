"""What only the imported code can tell about a config: metric names that no evaluator produces, and a function
whose signature fits no calling convention. Real files, real imports; nothing runs over a socket."""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import inspect
import logging
import os
import signal
import sys
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, ModuleType, TracebackType
from typing import Any

import pytest

from honeyhive_experiment import calling, errors
from honeyhive_experiment.calling import FunctionConvention, error_text, function_convention, where_raised
from honeyhive_experiment.config import ConfigError, load_config
from honeyhive_experiment.errors import EvaluatorSignatureError
from honeyhive_experiment.evaluators import Evaluator
from honeyhive_experiment.models.outcomes import Datapoint
from honeyhive_experiment.user_code import UserCode, check_metric_names, load_user_code

pytestmark = pytest.mark.unit

# The user's module, written into a fresh repository per test under a unique name (``{m}`` in the configs).
MODULE = """\
def answer(datapoint):
    return {"answer": datapoint["inputs"]["q"]}


def legacy_answer(inputs, ground_truths):
    return {"answer": inputs["q"]}


def three(inputs, ground_truths, context):
    return {}


def nothing():
    return {}


def topic_match(outputs, inputs, ground_truth=None):
    return True


def keyword_recall(outputs, inputs, ground_truth=None):
    return {"score": 1.0, "explanation": "all found", "precision": 0.5}


def judge(outputs, inputs):
    return 1


class _Relevance:
    name = "relevance"  # the SDK's @evaluator instances carry their name as .name

    def __call__(self, outputs, inputs, ground_truth=None):
        return 1.0


relevance_check = _Relevance()


def streamed(datapoint):  # a generator function: calling it runs nothing
    yield {"answer": datapoint["inputs"]["q"]}


async def async_streamed(datapoint):
    yield {"answer": datapoint["inputs"]["q"]}


def scores(outputs, inputs, ground_truth=None):
    yield 1


class Bot:
    def __call__(self, datapoint):
        return {"answer": datapoint["inputs"]["q"]}

    def reply(self, datapoint):
        return self(datapoint)

    @staticmethod
    def static_reply(datapoint):
        return {"answer": datapoint["inputs"]["q"]}


class Judge:
    def __init__(self, aspect):
        self.aspect = aspect

    def __call__(self, outputs, inputs, ground_truth=None):
        return 1.0


helpful = Judge("helpful")
grounded = Judge("grounded")
STYLE = "concise"
RETRIES = 3
"""

# Lines 1-11; a case that appends to it starts on line 12.
CONFIG = """\
name: names
function: {m}:answer
dataset:
  path: data/questions.jsonl
evaluators:
  - {m}:topic_match
  - {m}:keyword_recall
  - path: {m}:judge
    name: helpfulness
  - {m}:relevance_check
max_workers: 2
"""
OTHER = " (a metric your function records, or one HoneyHive computes, goes in other_metrics)"
EVALUATORS = "evaluators: topic_match, keyword_recall, helpfulness, relevance" + OTHER


@dataclass
class Repo:
    root: Path
    module: str

    @property
    def config_path(self) -> Path:
        return self.root / ".honeyhive" / "experiment.yml"

    def write(self, config: str) -> None:
        self.config_path.write_text(config.replace("{m}", self.module))

    def load(self, config: str, *, relative: bool = False) -> UserCode:
        """``relative``: the paths as given from the folder above (the caller's current directory), as the README's
        quickstart runs ``--working-directory examples/quickstart``."""
        self.write(config)
        root = Path(self.root.name) if relative else self.root
        config_path = root / self.config_path.relative_to(self.root)
        return load_user_code(load_config(config_path), str(config_path), root)

    def problems(self, config: str, *, relative: bool = False) -> list[tuple[int | None, str, str]]:
        """Every issue load_user_code reports, as (line, key, message); [] when it loads."""
        try:
            self.load(config, relative=relative)
        except ConfigError as exc:
            return [(issue.line, issue.key or "", issue.message) for issue in exc.issues]
        return []


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repo]:
    """Not the quickstart: an empty repository with one module of user code under a name of its own (``{m}``)."""
    module = f"user_code_{uuid.uuid4().hex}"
    (tmp_path / f"{module}.py").write_text(MODULE)
    (tmp_path / ".honeyhive").mkdir()
    yield Repo(tmp_path, module)
    sys.modules.pop(module, None)


# ------------------------------------------------------------------------------------------------ metric names

# (case id, text appended to CONFIG (line 12 on), every problem as (line, dotted key, message))
NAME_CASES: list[tuple[str, str, list[tuple[int | None, str, str]]]] = [
    ("exact-names", "passing_ranges:\n  topic_match: {min: 1}\n  keyword_recall: {min: 0.5}\n", []),
    ("dict-key-of-an-evaluator", "passing_ranges:\n  keyword_recall_precision: {min: 0.5}\n", []),
    ("explanation-of-an-evaluator", "metrics:\n  keyword_recall_explanation: {label: Why}\n", []),
    ("any-suffix-after-an-underscore", "gate:\n  topic_match_whatever: {max_drop: 1}\n", []),
    ("display-name-from-the-config", "gate:\n  helpfulness: {max_drop: 0.1}\n", []),
    ("name-attribute-of-the-evaluator", "metrics:\n  relevance: {direction: higher}\n", []),
    (
        "misspelt-range",
        "passing_ranges:\n  topc_match: {min: 1}\n",
        [
            (
                13,
                "passing_ranges.topc_match",
                f"no evaluator produces metric 'topc_match' (did you mean 'topic_match'?); {EVALUATORS}",
            )
        ],
    ),
    (
        "misspelt-gate",
        "gate:\n  keyword_recal: {max_drop_pct: 5}\n",
        [
            (
                13,
                "gate.keyword_recal",
                f"no evaluator produces metric 'keyword_recal' (did you mean 'keyword_recall'?); {EVALUATORS}",
            )
        ],
    ),
    (
        "misspelt-metrics",
        "metrics:\n  helpfullness: {label: Helpful}\n",
        [
            (
                13,
                "metrics.helpfullness",
                f"no evaluator produces metric 'helpfullness' (did you mean 'helpfulness'?); {EVALUATORS}",
            )
        ],
    ),
    (
        "the-same-name-in-other-unicode-characters",  # full-width letters: NFKC makes them topic_match
        "gate:\n  \uff54\uff4f\uff50\uff49\uff43_match: {max_drop: 0.1}\n",
        [
            (
                13,
                "gate.\uff54\uff4f\uff50\uff49\uff43_match",
                "no evaluator produces metric '\uff54\uff4f\uff50\uff49\uff43_match' (did you mean 'topic_match',"
                f" the same name written with other Unicode characters?); {EVALUATORS}",
            )
        ],
    ),
    (
        "own-name-replaced-by-the-display-name",
        "gate:\n  judge: {max_drop: 0.1}\n",
        [(13, "gate.judge", f"no evaluator produces metric 'judge'; {EVALUATORS}")],
    ),
    (
        "nothing-close",
        "metrics:\n  perplexity: {direction: lower}\n",
        [(13, "metrics.perplexity", f"no evaluator produces metric 'perplexity'; {EVALUATORS}")],
    ),
    (  # the built-in no spelling of it is close to (audit80 F9)
        "a-latency-is-duration_ms",
        "metrics:\n  latency_ms: {direction: lower}\n",
        [
            (
                13,
                "metrics.latency_ms",
                "no evaluator produces metric 'latency_ms' (did you mean 'duration_ms', the function's wall time?);"
                f" {EVALUATORS}",
            )
        ],
    ),
    (
        "a-longer-name-is-not-a-dict-key",
        "passing_ranges:\n  topic_matches: {min: 1}\n",
        [
            (
                13,
                "passing_ranges.topic_matches",
                f"no evaluator produces metric 'topic_matches' (did you mean 'topic_match'?); {EVALUATORS}",
            )
        ],
    ),
    (
        "a-trailing-underscore-names-no-key",
        "passing_ranges:\n  topic_match_: {min: 1}\n",
        [
            (
                13,
                "passing_ranges.topic_match_",
                f"no evaluator produces metric 'topic_match_' (did you mean 'topic_match'?); {EVALUATORS}",
            )
        ],
    ),
    (
        "several-at-once-earliest-line-first",
        "metrics:\n  topic_match: {key: true}\n  relevence: {label: R}\n"
        "gate:\n  topic_match: {max_drop: 0.1}\n  accuracy: {max_drop: 0.1}\n"
        "passing_ranges:\n  topc_match: {min: 1}\n  keyword_recall: {min: 0.5}\n",
        [
            (
                14,
                "metrics.relevence",
                f"no evaluator produces metric 'relevence' (did you mean 'relevance'?); {EVALUATORS}",
            ),
            (17, "gate.accuracy", f"no evaluator produces metric 'accuracy'; {EVALUATORS}"),
            (
                19,
                "passing_ranges.topc_match",
                f"no evaluator produces metric 'topc_match' (did you mean 'topic_match'?); {EVALUATORS}",
            ),
        ],
    ),
]


@pytest.mark.parametrize(("tail", "expected"), [c[1:] for c in NAME_CASES], ids=[c[0] for c in NAME_CASES])
def test_metric_names_are_checked_against_the_evaluators(
    repo: Repo, tail: str, expected: list[tuple[int | None, str, str]]
) -> None:
    assert repo.problems(CONFIG + tail) == expected


def test_metrics_the_function_records_are_declared_in_other_metrics(repo: Repo) -> None:
    """A metric recorded through the tracer (or computed by HoneyHive) is fine once declared, and suggested."""
    tail = "passing_ranges:\n  n_docs: {min: 1}\ngate:\n  n_doc: {max_drop: 1}\n"
    assert repo.problems(CONFIG + "other_metrics: [n_docs]\n" + tail) == [
        (16, "gate.n_doc", f"no evaluator produces metric 'n_doc' (did you mean 'n_docs'?); {EVALUATORS}")
    ]
    assert [key for _, key, _ in repo.problems(CONFIG + tail)] == ["passing_ranges.n_docs", "gate.n_doc"]


def test_with_instrument_the_efficiency_metrics_are_known(repo: Repo) -> None:
    """``instrument:`` makes each datapoint record input_tokens, cost_usd, ... (efficiency.py), 0 for one that made no
    call: gates on them are fine then, and a misspelt one is still an error. Without ``instrument:`` only datapoints
    whose own GenAI spans describe a call have them: a gate would compare two runs on different datapoints (half the
    rows cached in the baseline, none in this run: the same cost per datapoint), so it is refused, saying why."""
    tail = "gate:\n  input_tokens: {max_drop_pct: 20}\n  judge_cost_usd: {max_drop_pct: 10}\n"
    assert repo.problems(CONFIG + "instrument: [openai]\n" + tail) == []
    assert [message for _, _, message in repo.problems(CONFIG + tail)] == [
        f"no evaluator produces metric '{name}'; evaluators: topic_match, keyword_recall, helpfulness, relevance"
        " (the LLM calls' metrics need instrument: naming your LLM library, e.g. [openai]: with it every datapoint"
        " records them, 0 for one that made no call, so that two runs are compared on every datapoint; without it"
        " only datapoints whose spans describe a call have them, and a cache that comes or goes would move no value)"
        for name in ("input_tokens", "judge_cost_usd")
    ]
    assert repo.problems(CONFIG + "instrument: [openai]\ngate:\n  cost_usdd: {max_drop_pct: 10}\n") == [
        (14, "gate.cost_usdd", f"no evaluator produces metric 'cost_usdd' (did you mean 'cost_usd'?); {EVALUATORS}")
    ]


def test_without_evaluators_every_metric_name_is_an_error(repo: Repo) -> None:
    config = "name: n\nfunction: {m}:answer\ndataset: {path: data/q.jsonl}\npassing_ranges:\n  accuracy: {min: 1}\n"
    assert repo.problems(config) == [
        (5, "passing_ranges.accuracy", "no evaluator produces metric 'accuracy'; evaluators: none configured" + OTHER)
    ]


def test_the_problem_names_the_file_line_and_key(repo: Repo) -> None:
    with pytest.raises(ConfigError) as raised:
        repo.load(CONFIG + "passing_ranges:\n  topc_match: {min: 1}\n")
    assert str(raised.value) == (
        f"{repo.config_path}:13: passing_ranges.topc_match: "
        f"no evaluator produces metric 'topc_match' (did you mean 'topic_match'?); {EVALUATORS}"
    )
    assert raised.value.issues == (raised.value,)


def test_check_metric_names_takes_evaluators_as_they_are_built(repo: Repo) -> None:
    """The check itself, on evaluators built in Python: it returns the problems instead of raising."""

    def exact_match(outputs: Any, inputs: Any, ground_truth: Any = None) -> bool:
        return True

    repo.write(CONFIG + "passing_ranges:\n  exact_match: {min: 1}\n  exactmatch: {min: 1}\n  topic_match: {min: 1}\n")
    config = load_config(repo.config_path)
    problems = check_metric_names(config, [Evaluator.from_callable(exact_match)], str(repo.config_path))
    assert [(p.line, p.key, p.message) for p in problems] == [
        (
            14,
            "passing_ranges.exactmatch",
            "no evaluator produces metric 'exactmatch' (did you mean 'exact_match'?); evaluators: exact_match" + OTHER,
        ),
        (
            15,
            "passing_ranges.topic_match",
            "no evaluator produces metric 'topic_match' (did you mean 'exact_match'?); evaluators: exact_match" + OTHER,
        ),
    ]


# ------------------------------------------------------------------------------------------------ the function


def test_a_config_whose_names_all_match_loads(repo: Repo) -> None:
    code = repo.load(CONFIG + "passing_ranges:\n  helpfulness: {min: 1}\n")
    assert [e.name for e in code.evaluators] == ["topic_match", "keyword_recall", "helpfulness", "relevance"]
    assert code.function.__name__ == "answer"


class _CompiledLibrary:
    """As cffi's ``Lib``: it says it is a module, and has no ``__dict__``."""

    __slots__ = ()
    __class__ = property(lambda _: ModuleType)


def test_loading_runs_no_other_modules_code_to_find_the_repositorys_own(
    repo: Repo, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The modules a load forgets are told from their ``__dict__`` alone: a lazy module stays unloaded, and what has
    no ``__dict__`` (cffi's compiled libraries, loaded with cryptography) is left alone."""
    lazy = tmp_path_factory.mktemp("elsewhere") / "lazy_elsewhere.py"
    lazy.write_text("raise RuntimeError('loaded')\n")
    spec = importlib.util.spec_from_file_location("lazy_elsewhere", lazy)
    assert spec is not None
    assert spec.loader is not None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "lazy_elsewhere", module)
    monkeypatch.setitem(sys.modules, "compiled_library", _CompiledLibrary())

    assert repo.load(CONFIG).function.__name__ == "answer"


def test_the_older_convention_loads(repo: Repo) -> None:
    code = repo.load(CONFIG.replace("{m}:answer", "{m}:legacy_answer"))
    assert function_convention(code.function) == FunctionConvention(inputs_and_ground_truth=True)


FUNCTION_PROBLEMS = [
    (
        "three",
        "function 'three' requires 3 positional arguments (inputs, ground_truths, context); it is called as "
        "function(datapoint) (the whole record), with tracer= when it takes a 'tracer' parameter, or as "
        "function(inputs, ground_truths) (older HoneyHive code)",
    ),
    (
        "nothing",
        "function 'nothing' takes no datapoint parameter; it is called as function(datapoint) (the whole "
        "record), with tracer= when it takes a 'tracer' parameter, or as function(inputs, ground_truths) "
        "(older HoneyHive code)",
    ),
]


@pytest.mark.parametrize(("attr", "message"), FUNCTION_PROBLEMS, ids=[c[0] for c in FUNCTION_PROBLEMS])
def test_a_function_no_convention_fits_is_an_error_at_the_function_key(repo: Repo, attr: str, message: str) -> None:
    assert repo.problems(CONFIG.replace("{m}:answer", "{m}:" + attr)) == [(2, "function", message)]


def test_a_bad_function_and_bad_names_are_reported_together(repo: Repo) -> None:
    with pytest.raises(ConfigError) as raised:
        repo.load(CONFIG.replace("{m}:answer", "{m}:nothing") + "gate:\n  acuracy: {max_drop: 1}\n")
    assert [(issue.line, issue.key) for issue in raised.value.issues] == [(2, "function"), (13, "gate.acuracy")]
    assert raised.value is raised.value.issues[0]


# (case id, the attribute named instead of answer / topic_match, where, the error): code that can never give an
# answer, refused at load
NO_ANSWER_CASES = [
    (
        "generator-function",
        "answer:streamed",
        (2, "function"),
        "function 'streamed' is a generator function: its body never runs; return the answer (join the stream)",
    ),
    (
        "async-generator-function",
        "answer:async_streamed",
        (2, "function"),
        "function 'async_streamed' is an async generator function: its body never runs; return the answer (join the"
        " stream)",
    ),
    ("a-class", "answer:Bot", (2, "function"), "function 'Bot' is a class: name an instance of it (or a function)"),
    (  # its self would get the datapoint: it ran, and raised on its first line
        "a-method-read-from-the-class",
        "answer:Bot.reply",
        (2, "function"),
        "function 'Bot.reply' is a method read from the class, so its self would get the datapoint: name an"
        " instance's (`bot.reply` for bot = Bot(...))",
    ),
    (
        "a-call-method-read-from-the-class",
        "answer:Bot.__call__",
        (2, "function"),
        "function 'Bot.__call__' is a method read from the class, so its self would get the datapoint: name an"
        " instance (`bot` for bot = Bot(...))",
    ),
    (
        "an-evaluators-method-read-from-the-class",
        "topic_match:Judge.__call__",
        (6, "evaluators[0]"),
        "evaluator 'Judge.__call__' is a method read from the class, so its self would get the outputs: name an"
        " instance (`judge` for judge = Judge(...))",
    ),
    (
        "generator-evaluator",
        "topic_match:scores",
        (6, "evaluators[0]"),
        "evaluator 'scores' is a generator function: its body never runs; return the score",
    ),
    (
        "class-evaluator",
        "topic_match:Judge",
        (6, "evaluators[0]"),
        "evaluator 'Judge' is a class: name an instance of it (or a function)",
    ),
]


@pytest.mark.parametrize(
    ("instead", "where", "message"), [c[1:] for c in NO_ANSWER_CASES], ids=[c[0] for c in NO_ANSWER_CASES]
)
def test_code_that_never_gives_an_answer_is_refused_at_its_line(
    repo: Repo, instead: str, where: tuple[int, str], message: str
) -> None:
    """A generator function would be called and its generator handed to the evaluators (its body never run), a
    class would hand them an instance: each run would pass on nothing."""
    attribute, named = instead.split(":")
    assert repo.problems(CONFIG.replace("{m}:" + attribute, "{m}:" + named)) == [(*where, message)]


def test_every_import_mistake_is_reported_at_once_with_the_closest_name(repo: Repo) -> None:
    """Validate said the first one only (fix it, run again, meet the next); a mistyped name got no suggestion, as a
    mistyped config key or metric name does: an attribute gets the module's closest, a module its package's."""
    package = repo.root / f"{repo.module}_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "scorers.py").write_text("def is_float(outputs, inputs):\n    return 0.5\n")
    config = (
        CONFIG.replace("{m}:answer", "{m}:answr")
        .replace("{m}:topic_match", "{m}_pkg.scorer:is_float")
        .replace("{m}:keyword_recall", "{m}:keyword_recal")
        .replace("{m}:relevance_check", "{m}:scores")
    )
    m = repo.module
    try:
        assert repo.problems(config) == [
            (2, "function", f"'{m}:answr' does not exist (no such attribute; did you mean 'answer'?)"),
            (
                6,
                "evaluators[0]",
                f"cannot import '{m}_pkg.scorer:is_float': no module named '{m}_pkg.scorer' (did you mean"
                f" '{m}_pkg.scorers:is_float'?)",
            ),
            (
                7,
                "evaluators[1]",
                f"'{m}:keyword_recal' does not exist (no such attribute; did you mean 'keyword_recall'?)",
            ),
            (10, "evaluators[3]", "evaluator 'scores' is a generator function: its body never runs; return the score"),
        ]
    finally:
        for name in [name for name in sys.modules if name.startswith(f"{m}_pkg")]:
            del sys.modules[name]


def test_a_module_mistyped_at_the_top_gets_the_repositorys_closest(repo: Repo) -> None:
    """Said first, before the advice for a module that is no file of the repository (a dependency to install)."""
    [(line, key, message)] = repo.problems(CONFIG.replace("{m}:answer", "{m}s:answer"))
    assert (line, key) == (2, "function")
    assert message.startswith(
        f"cannot import '{repo.module}s:answer': no module named '{repo.module}s' (did you mean"
        f" '{repo.module}:answer'?). '{repo.module}s' is not installed where the experiment runs"
    ), message


def test_a_static_method_read_from_its_class_loads(repo: Repo) -> None:
    assert repo.problems(CONFIG.replace("{m}:answer", "{m}:Bot.static_reply")) == []


@pytest.mark.parametrize("typed", ["scoré", unicodedata.normalize("NFD", "scoré")], ids=["composed", "decomposed"])
def test_an_evaluator_with_a_non_ascii_name_loads_and_its_metric_is_known(repo: Repo, typed: str) -> None:
    """Python 3 identifiers are not ASCII only (``def scoré``), and Python reads one in NFKC: the path names it however
    its accent was typed, and the metric is the function's name, which ``passing_ranges`` uses (audit 46a #1)."""
    (repo.root / f"{repo.module}.py").write_text(
        MODULE + "\n\ndef scoré(outputs, inputs, ground_truth=None):\n    return 1\n"
    )
    config = (
        CONFIG.replace("  - {m}:relevance_check\n", f"  - {{m}}:{typed}\n") + "passing_ranges:\n  scoré: {min: 1}\n"
    )
    code = repo.load(config)
    assert [e.name for e in code.evaluators] == ["topic_match", "keyword_recall", "helpfulness", "scoré"]


# (case id, the path named instead of one of CONFIG's, where, the error): what only importing tells, at its line
IMPORTED_CASES = [
    ("function-not-callable", "answer:STYLE", (2, "function"), "'{m}:STYLE' is of type str, not a function"),
    ("function-an-int", "answer:RETRIES", (2, "function"), "'{m}:RETRIES' is of type int, not a function"),
    ("evaluator-missing", "topic_match:nope", (6, "evaluators[0]"), "'{m}:nope' does not exist (no such attribute)"),
    (
        "evaluator-signature",
        "topic_match:scores",
        (6, "evaluators[0]"),
        "evaluator 'scores' is a generator function: its body never runs; return the score",
    ),
]


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
@pytest.mark.parametrize(
    ("instead", "where", "message"), [c[1:] for c in IMPORTED_CASES], ids=[c[0] for c in IMPORTED_CASES]
)
def test_an_import_problem_is_at_its_line_with_relative_paths_too(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, relative: bool, instead: str, where: tuple[int, str], message: str
) -> None:
    """The user's code is imported in its repository (its current directory): the config's line is found all the
    same when the paths were given relative to the caller's, and the file is named as given."""
    monkeypatch.chdir(repo.root.parent)
    attribute, named = instead.split(":")
    config = CONFIG.replace("{m}:" + attribute, "{m}:" + named)
    assert repo.problems(config, relative=relative) == [(*where, message.replace("{m}", repo.module))]
    with pytest.raises(ConfigError) as raised:
        repo.load(config, relative=relative)
    assert raised.value.path == str(Path(repo.root.name if relative else repo.root, ".honeyhive", "experiment.yml"))


# (case id, files written in the repository ({m}_app.py holds the function), the error at function:): an import that
# fails is said where the user's code failed, "no such attribute" only when the module has none by the config's name
FAILED_IMPORT_CASES = [
    (
        "attribute-missing",
        {"{m}_app.py": "def reply(datapoint):\n    return {}\n"},
        "'{m}_app:answer' does not exist (no such attribute)",
    ),
    (
        "attribute-error-in-the-module",
        {"{m}_app.py": "import os\n\nVALUE = os.no_such_thing\n"},
        "importing '{m}_app:answer' raised AttributeError at {m}_app.py:3: module 'os' has no attribute"
        " 'no_such_thing'",
    ),
    (
        "circular-import",
        {
            "{m}_app.py": "import {m}_other\n\nanswer = len\n",
            "{m}_other.py": "import {m}_app\n\nVALUE = {m}_app.answer\n",
        },
        "importing '{m}_app:answer' raised AttributeError at {m}_other.py:3: partially initialized module '{m}_app' has"
        " no attribute 'answer' (most likely due to a circular import)",
    ),
    (
        "raised-in-the-module",
        {"{m}_app.py": 'import os\nraise ValueError("config missing")\n'},
        "importing '{m}_app:answer' raised ValueError at {m}_app.py:2: config missing",
    ),
    (
        "import-error-in-a-folder",
        {
            "{m}_app.py": "from {m}_pkg import bot\n",
            "{m}_pkg/__init__.py": "",
            "{m}_pkg/bot.py": "\nfrom os import nope\n",
        },
        f"importing '{{m}}_app:answer' raised ImportError at {{m}}_pkg/bot.py:2: cannot import name 'nope' from 'os'"
        f" ({os.__file__})",  # the user's line, not the stdlib's os.py
    ),
    (
        "raised-by-the-stdlib-it-called",
        {"{m}_app.py": 'import json\n\njson.loads("{")\n'},
        "importing '{m}_app:answer' raised JSONDecodeError at {m}_app.py:3: Expecting property name enclosed in double"
        " quotes: line 1 column 2 (char 1)",
    ),
    (
        "raised-by-a-package-installed-in-the-repository",
        {
            "{m}_app.py": "import {m}_lib\n",
            ".venv/lib/python3.11/site-packages/{m}_lib.py": "\n\nraise RuntimeError('no key')\n",
        },
        "importing '{m}_app:answer' raised RuntimeError at {m}_app.py:1: no key",
    ),
    (
        "syntax-error",
        {
            "{m}_pkg/__init__.py": "",
            "{m}_pkg/bot.py": "\ndef answer(datapoint):\n    return {\n",
            "{m}_app.py": "from {m}_pkg.bot import answer\n",
        },
        "importing '{m}_app:answer' raised SyntaxError at {m}_pkg/bot.py:3: '{' was never closed",
    ),
    (
        "syntax-error-in-an-installed-package",  # its own file and line are kept, beside the user's line importing it
        {
            "{m}_app.py": "\nimport {m}_broken\n",
            ".venv/lib/python3.11/site-packages/{m}_broken.py": "\n\n\nx = = 2\n",
        },
        "importing '{m}_app:answer' raised SyntaxError at {m}_app.py:2: invalid syntax ({m}_broken.py, line 4)",
    ),
    (
        "missing-dependency",  # the user's line that imports it (the config's own module missing has none)
        {"{m}_app.py": "import os\n\nimport {m}_absent\n"},
        "cannot import '{m}_app:answer': no module named '{m}_absent' (from {m}_app.py:3). '{m}_absent' is not"
        " installed where the experiment runs: add it to requirements.txt and run with --install '-r requirements.txt',"
        " which installs your dependencies before your code is imported (in the action, the input `install: -r"
        " requirements.txt`)",
    ),
    (
        "missing-dependency-listed",  # requirements.txt names it (any case, - or _): install it, not add it
        {"{m}_app.py": "import {m}_absent\n", "requirements.txt": "# deps\nrequests>=2\n{m}-ABSENT[extra]==1.0\n"},
        "cannot import '{m}_app:answer': no module named '{m}_absent' (from {m}_app.py:1). '{m}_absent' is not"
        " installed where the experiment runs: requirements.txt lists it, so run with --install '-r requirements.txt',"
        " which installs your dependencies before your code is imported (in the action, the input `install: -r"
        " requirements.txt`)",
    ),
    (
        "missing-dependency-of-an-installed-package",  # the user's line that reached it, not the package's
        {
            "{m}_pkg/__init__.py": "",
            "{m}_pkg/bot.py": "\n\nimport {m}_lib\n",
            "{m}_app.py": "from {m}_pkg import bot\n",
            ".venv/lib/python3.11/site-packages/{m}_lib.py": "import {m}_absent\n",
        },
        "cannot import '{m}_app:answer': no module named '{m}_absent' (from {m}_pkg/bot.py:3). '{m}_absent' is not"
        " installed where the experiment runs: add it to requirements.txt and run with --install '-r requirements.txt',"
        " which installs your dependencies before your code is imported (in the action, the input `install: -r"
        " requirements.txt`)",
    ),
    (
        "exit",
        {"{m}_app.py": "import sys\nsys.exit(3)\n"},
        "importing '{m}_app:answer' raised SystemExit at {m}_app.py:2: 3",
    ),
]


@pytest.mark.parametrize(
    ("files", "message"), [c[1:] for c in FAILED_IMPORT_CASES], ids=[c[0] for c in FAILED_IMPORT_CASES]
)
def test_an_import_that_fails_is_said_where_the_users_code_failed(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], message: str
) -> None:
    """The innermost line of the traceback in the repository (named from its root), not the module's name the import
    was reached from, the stdlib's file or an installed package's, with the exception's type and message."""
    # the repository's .venv is importable, as when the command runs from it
    monkeypatch.setattr(sys, "path", [*sys.path, str(repo.root / ".venv/lib/python3.11/site-packages")])
    for name, text in files.items():
        file = repo.root / name.replace("{m}", repo.module)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text.replace("{m}", repo.module))
    config = CONFIG.replace("{m}:answer", "{m}_app:answer")
    assert repo.problems(config) == [(2, "function", message.replace("{m}", repo.module))]


def test_a_keyboard_interrupt_the_users_code_raises_at_import_is_its_error_not_a_signal(repo: Repo) -> None:
    """As ``sys.exit`` at import: said at the function's line, where it was raised (audit 46c F8). It was re-raised as
    the command's cancellation: ``run`` said "interrupted by a second signal", ``validate`` "interrupted", exit 130."""
    (repo.root / f"{repo.module}_app.py").write_text("\nraise KeyboardInterrupt\n")
    try:
        problems = repo.problems(CONFIG.replace("{m}:answer", "{m}_app:answer"))
    except KeyboardInterrupt:
        pytest.fail("the user's KeyboardInterrupt stopped the command as a signal would")
    assert problems == [
        (2, "function", f"importing '{repo.module}_app:answer' raised KeyboardInterrupt at {repo.module}_app.py:2")
    ]


def test_a_signal_while_the_users_code_is_imported_stops_the_command(repo: Repo) -> None:
    """Ctrl-C while the import runs (Python's own SIGINT handler: ``validate``) is not the code's error: it stops the
    command, as before (``validate`` says "interrupted", exit 130), and the handler is Python's again after."""
    (repo.root / f"{repo.module}_app.py").write_text("import signal\nsignal.raise_signal(signal.SIGINT)\n")
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # as a command's process has it
    try:
        with pytest.raises(KeyboardInterrupt):
            repo.load(CONFIG.replace("{m}:answer", "{m}_app:answer"))
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text")


class _NoText:
    def __str__(self) -> str:
        raise RuntimeError("no text")


# (id, what app.py's line 2 does ({root}: the repository), where_raised's answer, error_text's); a SyntaxError's
# filename and lineno are whatever the user gave: only a str file and an int line are its own place
WHERE_RAISED_CASES: list[tuple[str, str, tuple[str, int, bool] | None, str]] = [
    ("an-exception", "raise KeyError('k')", ("app.py", 2, False), "KeyError at app.py:2: 'k'"),
    ("a-syntax-error-at-its-own-place", "raise SyntaxError('bad query', ('{root}/q.sql', 3, 1, 'S'))",
     ("q.sql", 3, True), "SyntaxError at q.sql:3: bad query"),
    ("a-bytes-filename", "raise SyntaxError('bad query', (b'/q.sql', 3, 1, 'SELECT'))",
     ("app.py", 2, False), "SyntaxError at app.py:2: bad query (line 3)"),
    ("an-int-filename", "raise SyntaxError('bad query', (7, 3, 1, 'SELECT'))",
     ("app.py", 2, False), "SyntaxError at app.py:2: bad query (line 3)"),
    ("a-none-lineno", "raise SyntaxError('bad query', ('{root}/q.sql', None, 1, 'S'))",
     ("app.py", 2, False), "SyntaxError at app.py:2: bad query (q.sql)"),
    ("a-str-lineno", "raise SyntaxError('bad query', ('{root}/q.sql', '3', 1, 'S'))",
     ("app.py", 2, False), "SyntaxError at app.py:2: bad query (q.sql)"),
    ("a-bare-syntax-error", "raise SyntaxError", ("app.py", 2, False), "SyntaxError at app.py:2"),  # not ": None"
    ("a-message-whose-str-raises", "raise SyntaxError(NoText(), ('{root}/q.sql', 3, 1, 'S'))",
     ("q.sql", 3, True), "SyntaxError at q.sql:3: <_NoText object: str() raised RuntimeError>"),
    ("an-exception-whose-str-raises", "raise Unprintable()",
     ("app.py", 2, False), "_Unprintable at app.py:2: <_Unprintable object: str() raised RuntimeError>"),
    ("never-raised", "made = ValueError('x')", None, "ValueError: x"),
    ("a-never-raised-syntax-error-with-a-bytes-filename", "made = SyntaxError('m', (b'/q.sql', 3, 1, 'S'))",
     None, "SyntaxError: m (line 3)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "where", "text"), [c[1:] for c in WHERE_RAISED_CASES], ids=[c[0] for c in WHERE_RAISED_CASES]
)
def test_where_raised_never_raises_whatever_the_users_exception_holds(
    tmp_path: Path, source: str, where: tuple[str, int, bool] | None, text: str
) -> None:
    """A SyntaxError the user's code made with a bytes or int filename raised TypeError here, sinking every
    datapoint's result (and a traceback in validate); a bare one read "SyntaxError at app.py:2: None"."""
    names: dict[str, Any] = {"Unprintable": _Unprintable, "NoText": _NoText}
    try:
        exec(compile("\n" + source.format(root=tmp_path), str(tmp_path / "app.py"), "exec"), names)
        exc = names["made"]
    except BaseException as raised:
        exc = raised
    assert where_raised(exc, tmp_path) == where
    assert error_text(exc, tmp_path) == text


def test_two_evaluators_with_one_name_are_refused_at_the_second_saying_how_to_name_it(repo: Repo) -> None:
    """Two instances of one class are both named after it: the second one's scores would be lost (its metric name
    taken) and the run would fail on an evaluator that never raised."""
    both = "  - {m}:relevance_check\n  - {m}:helpful\n  - {m}:grounded\n"
    assert repo.problems(CONFIG.replace("  - {m}:relevance_check\n", both)) == [
        (
            12,
            "evaluators[5]",
            "also named 'Judge' (evaluators[4]), the name of their metric; give one a name: "
            f"{{path: {repo.module}:grounded, name: grounded}}",
        )
    ]
    fixed = both.replace("{m}:grounded", "{path: {m}:grounded, name: grounded}")
    assert [e.name for e in repo.load(CONFIG.replace("  - {m}:relevance_check\n", fixed)).evaluators][4:] == [
        "Judge",
        "grounded",
    ]


def test_a_package_under_src_is_said_to_be_the_projects_own(repo: Repo) -> None:
    """The src layout: the user's own package is not importable from the root until the project is installed;
    requirements.txt is no place for it."""
    package = f"bot_{uuid.uuid4().hex}"
    (repo.root / "src" / package).mkdir(parents=True)
    (repo.root / "src" / package / "app.py").write_text("def answer(datapoint):\n    return {}\n")
    config = CONFIG.replace("{m}:answer", f"{package}.app:answer")
    head = f"cannot import '{package}.app:answer': no module named '{package}'"
    assert repo.problems(config) == [
        (
            2,
            "function",
            f"{head}. '{package}' is under src/: install the project (--install '-e .'; in the action, the input"
            f" `install: -e .`) or name it from the root ('src.{package}.app:answer')",
        )
    ]


@pytest.mark.parametrize(("file", "installed"), [("yaml.py", "PyYAML"), ("pydantic/__init__.py", "pydantic")])
def test_a_module_named_as_an_installed_one_already_imported_is_said_to_be_shadowed(
    repo: Repo, file: str, installed: str
) -> None:
    """The repository's yaml.py, named by the config, was "no such attribute; did you mean 'parser'?": the import
    returned PyYAML, which this tool had imported first."""
    top = file.partition("/")[0].removesuffix(".py")
    (repo.root / file).parent.mkdir(exist_ok=True)
    (repo.root / file).write_text("def answer(datapoint):\n    return {}\n")
    shown = file.replace("__init__.py", "")
    [(line, key, message)] = repo.problems(CONFIG.replace("{m}:answer", f"{top}:answer"))
    assert (line, key) == (2, "function")
    assert message == (
        f"cannot import '{top}:answer': the repository's {shown} is shadowed by the module {top!r} of the installed"
        f" {installed} ({sys.modules[top].__file__}), already imported: rename {shown} and the paths that name it"
    )


@pytest.mark.parametrize(
    ("elsewhere", "mine", "shadow"),
    [  # what is on sys.path outside the repository, imported first; the repository's module; what the message says
        pytest.param(
            ["a/{top}/", "b/{top}/"],
            "{top}.py",
            "the namespace package {top!r} (folders without __init__.py: {a}/{top}, {b}/{top})",
            id="namespace-package",  # was "the installed module ... (built in)"
        ),
        pytest.param(
            ["a/{top}.py"],
            "{top}/__init__.py",
            "the module {top!r} found at {a}/{top}.py",
            id="sibling-checkout",  # was "the installed module ... (<path>)": no distribution installed it
        ),
        pytest.param(
            ["a/{top}/__init__.py"],
            "{top}.py",
            "the module {top!r} found at {a}/{top}/__init__.py",
            id="sibling-checkouts-package",
        ),
    ],
)
def test_a_module_imported_from_elsewhere_on_the_path_is_said_as_its_import_found_it(
    repo: Repo, tmp_path_factory: pytest.TempPathFactory, elsewhere: list[str], mine: str, shadow: str
) -> None:
    """A module shadowing the repository's is named as what the import found: a namespace package (folders without
    ``__init__.py``, at each of them) was said to be a "built in" installed module, a checkout beside the repository
    (a folder on ``sys.path``) an installed one."""
    top = f"shadow_{uuid.uuid4().hex}"
    outside = tmp_path_factory.mktemp("elsewhere")
    folders = {"a": outside / "a", "b": outside / "b"}
    for written in elsewhere:
        path = outside / written.format(top=top)
        path.parent.mkdir(parents=True, exist_ok=True)
        if written.endswith("/"):
            path.mkdir()
        else:
            path.write_text("def answer(datapoint):\n    return {}\n")
    (repo.root / mine.format(top=top)).parent.mkdir(exist_ok=True)
    (repo.root / mine.format(top=top)).write_text("def answer(datapoint):\n    return {}\n")
    entries = [str(folders[name]) for name in "ab" if folders[name].exists()]
    sys.path[:0] = entries
    try:
        importlib.import_module(top)
        [(line, key, message)] = repo.problems(CONFIG.replace("{m}:answer", f"{top}:answer"))
    finally:
        sys.modules.pop(top, None)
        del sys.path[: len(entries)]
    shown = mine.format(top=top).replace("__init__.py", "")
    assert (line, key) == (2, "function")
    assert message == (
        f"cannot import '{top}:answer': the repository's {shown} is shadowed by {shadow.format(top=top, **folders)},"
        f" already imported: rename {shown} and the paths that name it"
    )


def test_the_repositorys_own_module_imported_through_a_symbolic_link_is_not_shadowed(
    repo: Repo, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller imported the module by a linked path to the repository (macOS's /tmp): it is the same file."""
    link = tmp_path_factory.mktemp("linked") / "repo"
    link.symlink_to(repo.root)
    monkeypatch.syspath_prepend(str(link))
    importlib.import_module(repo.module)
    assert repo.problems(CONFIG) == []


# ------------------------------------------------------------------------------------------------ conventions

RECORD = FunctionConvention()
RECORD_TRACER = FunctionConvention(tracer=True)
OLDER = FunctionConvention(inputs_and_ground_truth=True)
OLDER_TRACER = FunctionConvention(inputs_and_ground_truth=True, tracer=True)
ASYNC_RECORD = FunctionConvention(is_async=True)
ASYNC_OLDER = FunctionConvention(inputs_and_ground_truth=True, is_async=True)
INPUTS_ONLY = FunctionConvention(inputs_and_ground_truth=True, ground_truth=False)


def record_style(datapoint: Any) -> Any:
    return ("record", datapoint)


def record_with_tracer(datapoint: Any, tracer: Any) -> Any:
    return ("record", datapoint, tracer)


def record_with_optional_tracer(datapoint: Any, tracer: Any = None) -> Any:
    return ("record", datapoint, tracer)


def record_with_keyword_tracer(datapoint: Any, *, tracer: Any) -> Any:
    return ("record", datapoint, tracer)


def record_with_kwargs(datapoint: Any, **kwargs: Any) -> Any:
    return ("record", datapoint, kwargs["tracer"])


def record_optional(datapoint: Any = None) -> Any:
    return ("record", datapoint)


def record_varargs(*args: Any) -> Any:
    return ("record", *args)


def older_style(inputs: Any, ground_truths: Any) -> Any:
    return ("older", inputs, ground_truths)


def older_with_tracer(inputs: Any, ground_truths: Any, tracer: Any = None) -> Any:
    return ("older", inputs, ground_truths, tracer)


def one_required_one_optional(inputs: Any, ground_truths: Any = None) -> Any:
    return ("older", inputs, ground_truths)


def older_singular(inputs: Any, ground_truth: Any) -> Any:
    return ("older", inputs, ground_truth)


def ground_truth_second(query: Any, ground_truth: Any = None) -> Any:
    return ("older", query, ground_truth)


def inputs_only(inputs: Any) -> Any:
    return ("older", inputs)


def inputs_only_with_tracer(inputs: Any, tracer: Any = None) -> Any:
    return ("older", inputs, tracer)


def record_with_an_option(datapoint: Any, options: Any = None) -> Any:
    return ("record", datapoint, options)


def other_name_with_an_option(dp: Any, options: Any = None) -> Any:
    return ("record", dp, options)


def two_other_names(question: Any, answer: Any) -> Any:
    return ("older", question, answer)


async def async_record(datapoint: Any) -> Any:
    return ("record", datapoint)


async def async_older(inputs: Any, ground_truths: Any) -> Any:
    return ("older", inputs, ground_truths)


def _three(prefix: Any, inputs: Any, ground_truths: Any) -> Any:
    return ("older", inputs, ground_truths)


class _OlderApp:
    def __call__(self, inputs: Any, ground_truths: Any) -> Any:
        return ("older", inputs, ground_truths)

    def answer(self, datapoint: Any) -> Any:
        return ("record", datapoint)


TRACER = object()
INPUTS = {"q": "2 + 2?"}
LABEL = {"answer": "4"}
LABELLED = Datapoint("dp-1", {"id": "dp-1", "inputs": INPUTS, "ground_truth": LABEL})
UNLABELLED = Datapoint("dp-2", {"id": "dp-2", "inputs": INPUTS})

# (case id, function, convention, what it returns for LABELLED, what it returns for UNLABELLED)
CONVENTION_CASES: list[tuple[str, Callable[..., Any], FunctionConvention, Any, Any]] = [
    ("record", record_style, RECORD, ("record", LABELLED.record), ("record", UNLABELLED.record)),
    (
        "record-tracer",
        record_with_tracer,
        RECORD_TRACER,
        ("record", LABELLED.record, TRACER),
        ("record", UNLABELLED.record, TRACER),
    ),
    (
        "record-optional-tracer",
        record_with_optional_tracer,
        RECORD_TRACER,
        ("record", LABELLED.record, TRACER),
        ("record", UNLABELLED.record, TRACER),
    ),
    (
        "record-keyword-tracer",
        record_with_keyword_tracer,
        RECORD_TRACER,
        ("record", LABELLED.record, TRACER),
        ("record", UNLABELLED.record, TRACER),
    ),
    (
        "record-kwargs",
        record_with_kwargs,
        RECORD_TRACER,
        ("record", LABELLED.record, TRACER),
        ("record", UNLABELLED.record, TRACER),
    ),
    ("record-optional", record_optional, RECORD, ("record", LABELLED.record), ("record", UNLABELLED.record)),
    ("record-varargs", record_varargs, RECORD, ("record", LABELLED.record), ("record", UNLABELLED.record)),
    ("older", older_style, OLDER, ("older", INPUTS, LABEL), ("older", INPUTS, None)),
    (
        "older-tracer",
        older_with_tracer,
        OLDER_TRACER,
        ("older", INPUTS, LABEL, TRACER),
        ("older", INPUTS, None, TRACER),
    ),
    # the parameters' names decide (older code's second parameter often has a default), then their count
    (
        "older-optional-ground-truths",
        one_required_one_optional,
        OLDER,
        ("older", INPUTS, LABEL),
        ("older", INPUTS, None),
    ),
    ("older-singular", older_singular, OLDER, ("older", INPUTS, LABEL), ("older", INPUTS, None)),
    ("ground-truth-second", ground_truth_second, OLDER, ("older", INPUTS, LABEL), ("older", INPUTS, None)),
    ("inputs-only", inputs_only, INPUTS_ONLY, ("older", INPUTS), ("older", INPUTS)),
    (
        "inputs-only-tracer",
        inputs_only_with_tracer,
        FunctionConvention(inputs_and_ground_truth=True, ground_truth=False, tracer=True),
        ("older", INPUTS, TRACER),
        ("older", INPUTS, TRACER),
    ),
    (
        "datapoint-with-an-option",
        record_with_an_option,
        RECORD,
        ("record", LABELLED.record, None),
        ("record", UNLABELLED.record, None),
    ),
    (
        "other-name-with-an-option",
        other_name_with_an_option,
        RECORD,
        ("record", LABELLED.record, None),
        ("record", UNLABELLED.record, None),
    ),
    ("two-other-names", two_other_names, OLDER, ("older", INPUTS, LABEL), ("older", INPUTS, None)),
    ("older-callable-object", _OlderApp(), OLDER, ("older", INPUTS, LABEL), ("older", INPUTS, None)),
    ("record-bound-method", _OlderApp().answer, RECORD, ("record", LABELLED.record), ("record", UNLABELLED.record)),
    (
        "older-partial",
        functools.partial(_three, "prefix"),
        OLDER,
        ("older", INPUTS, LABEL),
        ("older", INPUTS, None),
    ),
    ("async-record", async_record, ASYNC_RECORD, ("record", LABELLED.record), ("record", UNLABELLED.record)),
    ("async-older", async_older, ASYNC_OLDER, ("older", INPUTS, LABEL), ("older", INPUTS, None)),
]


def _call(function: Callable[..., Any], convention: FunctionConvention, datapoint: Datapoint) -> Any:
    """What the runner does with a convention (without its threads and timeout)."""
    args, kwargs = convention.arguments(datapoint, TRACER)
    result = function(*args, **kwargs)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


@pytest.mark.parametrize(
    ("function", "convention", "labelled", "unlabelled"),
    [c[1:] for c in CONVENTION_CASES],
    ids=[c[0] for c in CONVENTION_CASES],
)
def test_the_convention_is_decided_from_the_signature_and_gives_the_function_its_arguments(
    function: Callable[..., Any], convention: FunctionConvention, labelled: Any, unlabelled: Any
) -> None:
    assert function_convention(function) == convention
    assert _call(function, convention, LABELLED) == labelled
    assert _call(function, convention, UNLABELLED) == unlabelled


def test_the_record_is_a_copy() -> None:
    (record,), _ = RECORD.arguments(LABELLED, TRACER)
    assert record == LABELLED.record
    assert record is not LABELLED.record


def _no_parameter() -> None: ...


def _three_required(inputs: Any, ground_truths: Any, context: Any) -> None: ...


def _four_required(a: Any, b: Any, c: Any, d: Any, tracer: Any = None) -> None: ...


def _tracer_only(*, tracer: Any) -> None: ...


def _keyword_only(datapoint: Any, *, config: Any) -> None: ...


def _tracer_first(tracer: Any, datapoint: Any) -> None: ...


def _tracer_between(inputs: Any, tracer: Any, ground_truths: Any) -> None: ...


def _datapoint_and_ground_truth(datapoint: Any, ground_truth: Any) -> None: ...


# (case id, function, what the error says)
REJECTED_CASES: list[tuple[str, Callable[..., Any], str]] = [
    ("no-parameter", _no_parameter, "function '_no_parameter' takes no datapoint parameter"),
    ("lambda-no-parameter", lambda: None, "function '<lambda>' takes no datapoint parameter"),
    ("tracer-only", _tracer_only, "function '_tracer_only' takes no datapoint parameter"),
    (
        "three-required",
        _three_required,
        "function '_three_required' requires 3 positional arguments (inputs, ground_truths, context)",
    ),
    (
        "four-required-and-tracer",
        _four_required,
        "function '_four_required' requires 4 positional arguments (a, b, c, d)",
    ),
    (
        "required-keyword-only",
        _keyword_only,
        "function '_keyword_only' requires the keyword-only parameter 'config', which is never passed",
    ),
    ("tracer-first", _tracer_first, "function '_tracer_first' takes 'tracer' before its datapoint parameter"),
    ("tracer-between", _tracer_between, "function '_tracer_between' takes 'tracer' before its datapoint parameter"),
    (
        "datapoint-takes-the-whole-record",
        _datapoint_and_ground_truth,
        "function '_datapoint_and_ground_truth' requires 2 positional arguments (datapoint, ground_truth)",
    ),
]


@pytest.mark.parametrize(("function", "message"), [c[1:] for c in REJECTED_CASES], ids=[c[0] for c in REJECTED_CASES])
def test_a_signature_no_convention_fits_is_rejected(function: Callable[..., Any], message: str) -> None:
    with pytest.raises(EvaluatorSignatureError) as raised:
        function_convention(function)
    assert str(raised.value).startswith(message), str(raised.value)


class _Unreadable:
    """A callable whose signature cannot be read (like some builtins and C extensions)."""

    __signature__ = "not a signature"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return ("record", *args, *kwargs.values())


def test_a_signature_that_cannot_be_read_gets_the_record_only() -> None:
    unreadable = _Unreadable()
    with pytest.raises(TypeError):
        inspect.signature(unreadable)
    assert function_convention(unreadable) == RECORD
    assert _call(unreadable, RECORD, LABELLED) == ("record", LABELLED.record)


def _ours_frame() -> FrameType:
    """A live frame of this tool's code (errors.shown calling the value's __str__)."""
    frames: list[FrameType] = []

    class Spy:
        def __str__(self) -> str:
            caller = sys._getframe(1)
            frames.append(caller)
            return "spy"

    errors.shown(Spy())
    assert frames[0].f_code.co_filename == errors.__file__
    return frames[0]


def test_one_failure_re_raised_from_two_lines_of_the_tools_own_has_its_traceback_logged_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner waits on a datapoint's future from one of two lines, by timing: the same failure on two datapoints
    had two tracebacks above the user's frames, and with RUNNER_DEBUG its traceback was logged twice (a flaky test
    under load). The frames from the first one shown on decide what is the same failure."""
    monkeypatch.setattr(calling, "_traced", set())
    caplog.set_level(logging.DEBUG, logger="honeyhive_experiment.calling")
    ours = _ours_frame()

    def fail() -> None:
        raise ValueError("no")

    for line in (10, 20):  # the same user's failure, re-raised by the tool's code at two lines
        try:
            fail()
        except ValueError as exc:
            exc.__traceback__ = TracebackType(exc.__traceback__, ours, 0, line)
            error_text(exc)
    logged = [r for r in caplog.records if r.getMessage().startswith("the traceback of")]
    assert len(logged) == 1
    try:
        raise ValueError("elsewhere")  # another place in the user's code: another failure
    except ValueError as exc:
        error_text(exc)
    assert len([r for r in caplog.records if r.getMessage().startswith("the traceback of")]) == 2
