"""Options of a detection run (who is a VIP, which sources are expected) and the modifiers they drive."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mfaguard.detect.collect import Baseline
from mfaguard.errors import bad_value
from mfaguard.model.report import Severity

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs (or single addresses) from ``--known-ip``; a bad value is a usage error naming it."""
    out: list[Network] = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise bad_value(
                "--known-ip", value, "write an IP address or CIDR such as 203.0.113.0/24 or 2001:db8::/32"
            ) from None
    return tuple(out)


def parse_countries(values: Iterable[str]) -> frozenset[str]:
    out = set()
    for value in values:
        code = value.strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise bad_value(
                "--known-country", value, "write a two-letter ISO 3166-1 code as Entra does, e.g. US, NL"
            )
        out.add(code)
    return frozenset(out)


def option_duration(value: str, option: str) -> timedelta:
    """``90m``, ``24h``, ``14d``, ``2w`` → timedelta; anything else is a usage error naming the option."""
    from mfaguard.config.durations import parse_duration

    try:
        return parse_duration(value)
    except ValueError:
        raise bad_value(option, value, "write a duration such as 90m, 24h, 14d or 2w") from None


def detect_options(
    *,
    vip: Iterable[str] = (),
    known_ip: Iterable[str] = (),
    known_country: Iterable[str] = (),
    lookback: str = "14d",
    since: str | None = None,
    campaign_prefix: int | None = None,
    hunt: bool = False,
) -> DetectOptions:
    """The options as the operator writes them (``--vip``, ``--known-ip``, ``--since 24h`` ...): VIPs
    compared lower-case, networks, countries and durations checked; a bad value is a usage error
    naming its option."""
    return DetectOptions(
        vip=frozenset(v.strip().lower() for v in vip if v.strip()),
        known_ips=parse_networks(known_ip),
        known_countries=parse_countries(known_country),
        lookback=option_duration(lookback, "--lookback"),
        since=option_duration(since, "--since") if since else None,
        campaign_prefix=campaign_prefix,
        hunt=hunt,
    )


@dataclass(frozen=True)
class DetectOptions:
    """What the operator tells mfaguard about the tenant (all optional)."""

    vip: frozenset[str] = frozenset()
    """Privileged/VIP users: lower-case UPNs or userIds."""
    known_ips: tuple[Network, ...] = ()
    known_countries: frozenset[str] = frozenset()
    lookback: timedelta = timedelta(days=14)
    since: timedelta | None = None
    campaign_prefix: int | None = None
    """Group DET-008 sources by this IPv4 prefix length (e.g. 24) instead of the exact IP."""
    hunt: bool = False
    """Also report MFA interrupt noise per user (D10)."""


@dataclass(frozen=True)
class Context:
    """Everything a detection needs besides the evidence; ``now`` is passed in, never read."""

    options: DetectOptions
    baseline: Baseline
    now: datetime
    profile: str = "default"
    _ip_cache: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def is_vip(self, upn: str, user_id: str) -> bool:
        vip = self.options.vip
        return bool(vip) and (upn.lower() in vip or user_id.lower() in vip)

    def is_known_ip(self, ip: str) -> bool:
        if not ip or not self.options.known_ips:
            return False
        cached = self._ip_cache.get(ip)
        if cached is None:
            try:
                addr = ipaddress.ip_address(ip)
            except ValueError:
                cached = False
            else:
                cached = any(addr in net for net in self.options.known_ips)
            self._ip_cache[ip] = cached
        return cached

    def new_geo(self, user: str, country: str, ip: str, ts: datetime) -> bool:
        """Reference rule 4: the country is not among the user's baseline success countries."""
        if not country or self.is_known_ip(ip) or country in self.options.known_countries:
            return False
        if not self.baseline.has_history(user, ts):
            return False  # a user with no baseline successes is never new_geo
        return not self.baseline.knows_country(user, country, ts)

    def expected_source(self, user: str, ip: str, ts: datetime) -> bool:
        """A known corporate range, or an IP the user passed MFA from in the lookback."""
        return self.is_known_ip(ip) or self.baseline.knows_ip(user, ip, ts)


_ORDER = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]


def step_up(severity: Severity, steps: int, cap: Severity) -> Severity:
    """Raise ``severity`` by ``steps`` levels, never above ``cap`` (and never lower it)."""
    idx = min(_ORDER.index(severity) + steps, _ORDER.index(cap))
    return _ORDER[max(idx, _ORDER.index(severity))]
