"""The small WQL subset the simulator evaluates: ``SELECT * | p1, p2 FROM Class [WHERE Prop = 'value' | number]``."""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUERY = re.compile(
    r"^\s*select\s+(?P<props>\*|[\w\s,]+?)\s+from\s+(?P<cls>\w+)"
    r"(?:\s+where\s+(?P<prop>\w+)\s*=\s*(?:'(?P<str>[^']*)'|\"(?P<dstr>[^\"]*)\"|(?P<num>-?\d+)))?\s*$",
    re.IGNORECASE | re.DOTALL,
)


class WqlError(ValueError):
    """A query outside the supported subset (Windows answers n:CannotProcessFilter)."""


@dataclass(frozen=True)
class WqlQuery:
    class_name: str
    properties: tuple[str, ...] | None  # None = *
    where: tuple[str, str] | None  # (property, value as text)


def parse_wql(text: str) -> WqlQuery:
    match = _QUERY.match(text)
    if match is None:
        raise WqlError(text)
    props = match["props"].strip()
    properties = None if props == "*" else tuple(p.strip() for p in props.split(",") if p.strip())
    where = None
    if match["prop"]:
        value = next(v for v in (match["str"], match["dstr"], match["num"]) if v is not None)
        where = (match["prop"], value)
    return WqlQuery(match["cls"], properties, where)
