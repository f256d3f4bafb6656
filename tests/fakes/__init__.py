"""Fakes of what is outside the program: GitHub's REST API, reached over a real socket (``github_server``), and
the Actions runner's event, environment and file commands (``actions_runner``)."""

from __future__ import annotations

from tests.fakes.github_server import FakeComment, FakeGitHub, FakePull, RecordedRequest

__all__ = ["FakeComment", "FakeGitHub", "FakePull", "RecordedRequest"]
