"""Deterministic fakes shared by the tests (no mocks, real protocols)."""
