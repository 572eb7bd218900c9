"""Simulated fleet of Windows (MailStore Server) hosts for the collection's tests (``python -m tests.winsim``)."""

from tests.collection_path import ensure_collection_importable

ensure_collection_importable()
