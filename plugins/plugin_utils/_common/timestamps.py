# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two ways the collection writes a time, both UTC: a stamp that names files and runs, and ISO 8601 for people
and for the records."""

from __future__ import annotations

from datetime import UTC, datetime


def stamp(now: datetime | None = None) -> str:
    """A UTC time stamp that sorts as text and names a file or a run: ``20261202T050000.123456Z``. Microseconds:
    two plays of one ansible-playbook run (drift, then harden) can start within a second."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")


def iso_utc(now: datetime | None = None) -> str:
    """ISO 8601 to the second, UTC, with ``Z``: ``2026-12-02T05:00:00Z``."""
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
