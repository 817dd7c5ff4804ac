"""Whether our own mail server vouches for a message's From domain: a DMARC pass, or a DKIM
pass by a domain aligned with it, in an ``Authentication-Results`` header (RFC 8601). Pure
Python; the organisational domains come from the Public Suffix List that ``publicsuffixlist``
ships.

Only headers whose authserv-id is one we trust count: anybody can write such a header into a
message, and RFC 8601 section 5 has the receiving MTA remove those claiming its own id before
it adds its verdict. A header from any other id is ignored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32

from publicsuffixlist import PublicSuffixList

COMMENT_RE = re.compile(r"\((?:[^()\\]|\\.)*\)")
RESULT_RE = re.compile(r"^([a-z0-9_-]+)(?:/[0-9]+)?\s*=\s*([a-z]+)", re.IGNORECASE)
PROPERTY_RE = re.compile(r"([a-z0-9_-]+\.[a-z0-9_.-]+)\s*=\s*(\"[^\"]*\"|[^\s;]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Result:
    """One ``method=result`` of a header, with its properties (``header.d`` → ``example.com``)."""

    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict)


def without_comments(value: str) -> str:
    """The header with its (comments) removed; nested ones go from the inside out."""
    previous = None
    while previous != value:
        previous, value = value, COMMENT_RE.sub(" ", value)
    return value


def parse_header(value: str) -> tuple[str, list[Result]]:
    """The authserv-id (lower case) and the results of one header's value."""
    head, *resinfos = without_comments(" ".join(value.split())).split(";")
    words = head.split()
    authserv_id = words[0].lower() if words else ""
    results = []
    for resinfo in resinfos:
        match = RESULT_RE.match(resinfo.strip())
        if match is None:
            continue  # "none", or a result we cannot read
        properties = {
            name.lower(): raw.strip('"').lower() for name, raw in PROPERTY_RE.findall(resinfo)
        }
        results.append(Result(match.group(1).lower(), match.group(2).lower(), properties))
    return authserv_id, results


def header_values(raw: bytes) -> list[str]:
    """Every ``Authentication-Results`` header of a raw message, top (newest) first."""
    message = BytesHeaderParser(policy=compat32).parsebytes(raw)
    return [str(value) for value in message.get_all("Authentication-Results") or []]


@functools.cache
def _public_suffixes() -> PublicSuffixList:
    # The list as the package ships it (ICANN and private sections): never fetched at run time.
    return PublicSuffixList()


def organizational_domain(domain: str) -> str:
    """The registered domain under its public suffix (``mail.example.co.uk`` →
    ``example.co.uk``), or "" for a public suffix itself or an empty name (RFC 7489 §3.2)."""
    domain = domain.lower().strip(".")
    if not domain:
        return ""
    return _public_suffixes().privatesuffix(domain) or ""


def aligned(domain: str, sender_domain: str) -> bool:
    """Relaxed alignment (RFC 7489 §3.2): the authenticated domain and the sender's have the
    same organisational domain by the Public Suffix List, so ``a.example.com`` aligns with
    ``example.com`` but ``other.co.uk`` never with ``mail.example.co.uk``."""
    organization = organizational_domain(domain)
    return bool(organization) and organization == organizational_domain(sender_domain)


def passes(result: Result, sender_domain: str) -> bool:
    if result.result != "pass":
        return False
    if result.method == "dmarc":
        return result.properties.get("header.from", "") == sender_domain
    if result.method == "dkim":
        signer = (
            result.properties.get("header.d")
            or result.properties.get("header.i", "").rpartition("@")[2]
        )
        return aligned(signer, sender_domain)
    return False


def vouched_for(raw: bytes, sender: str, trusted: Iterable[str]) -> str:
    """The trusted authserv-id that passed DMARC or an aligned DKIM signature for the sender's
    domain, or "" when none did."""
    trusted_ids = {server.lower() for server in trusted}
    sender_domain = sender.rpartition("@")[2].lower()
    if not trusted_ids or not sender_domain:
        return ""
    for value in header_values(raw):
        authserv_id, results = parse_header(value)
        if authserv_id in trusted_ids and any(passes(r, sender_domain) for r in results):
            return authserv_id
    return ""
