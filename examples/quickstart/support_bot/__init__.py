"""A tiny, deterministic stand-in for an LLM app: the quickstart's function under test."""
