"""Fakes of external services that tests reach over real sockets (see ``github_server.FakeGitHub``)."""

from __future__ import annotations

from tests.fakes.github_server import FakeComment, FakeGitHub, FakePull, RecordedRequest

__all__ = ["FakeComment", "FakeGitHub", "FakePull", "RecordedRequest"]
