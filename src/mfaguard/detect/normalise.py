"""Turn raw sign-in, audit and risk records (Graph shape) into normalised records (reference §3 rule 1).

Loaders map every export shape (LA ``SigninLogs``, portal CSV) to Graph field names first, so this is
the only place that knows how a field is spelled or typed. Records that cannot be used raise
:class:`SkipRecord` with a short reason; the caller counts them (bad input never stops a run).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import IntEnum
from sys import intern
from typing import Any

from mfaguard.detect.classify import (
    DENIAL_CODES,
    NOISE_CODES,
    SUCCESS_CODES,
    classify_denial_phrase,
    is_no_mfa_phrase,
    is_success_phrase,
    normalise_phrase,
)
from mfaguard.detect.model import AuditEvent, AuthStep, EventClass, RiskEvent, SignIn, SuccessEvent


class SkipRecord(ValueError):
    """The record cannot be used; ``reason`` is the counter key shown to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_ts(value: object) -> datetime:
    """Parse an ISO-8601 timestamp to an aware UTC datetime.

    Graph writes 7 fractional digits (``2020-03-13T19:15:41.6195833Z``); they are trimmed to 6.
    A timestamp without a zone is taken as UTC (exports write UTC). Raises ``ValueError``.
    """
    if not isinstance(value, str) or not value:
        raise ValueError("not a timestamp")
    if len(value) == 28 and value[27] == "Z" and value[19] == ".":
        # Fast path for Graph's own shape, 2020-03-13T19:15:41.6195833Z.
        try:
            return datetime.fromisoformat(value[:26]).replace(tzinfo=UTC)
        except ValueError:
            pass
    text = value.strip()
    dot = text.find(".", 19)
    if dot != -1:
        end = dot + 1
        n = len(text)
        while end < n and text[end].isdigit():
            end += 1
        if end - dot - 1 > 6:
            text = text[: dot + 7] + text[end:]
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _parse_portal_ts(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_portal_ts(text: str) -> datetime:
    # Some portal exports write "1/15/2024, 9:00:00 AM" (UTC column) instead of ISO 8601.
    for fmt in ("%m/%d/%Y, %I:%M:%S %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"unrecognised timestamp {text[:40]!r}")


def to_int(value: object) -> int | None:
    """An int from an int or a numeric string (LA and CSV write error codes as strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise SkipRecord("wrong type: expected text")


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "yes", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
    return None


def _steps_raw(raw: Mapping[str, Any]) -> Sequence[Any] | None:
    details = raw.get("authenticationDetails")
    if details is None:
        return None
    if isinstance(details, str):
        # Log Analytics exports AuthenticationDetails as a JSON string.
        text = details.strip()
        if not text:
            return None
        try:
            details = json.loads(text)
        except ValueError:
            raise SkipRecord("wrong type: authenticationDetails is not JSON") from None
    if not isinstance(details, list):
        raise SkipRecord("wrong type: authenticationDetails is not a list")
    return details


def _step(entry: object) -> AuthStep:
    if not isinstance(entry, Mapping):
        raise SkipRecord("wrong type: authenticationDetails entry is not an object")
    raw_detail = intern(_str(entry.get("authenticationStepResultDetail")))
    succeeded = _as_bool(entry.get("succeeded"))
    ts_value = entry.get("authenticationStepDateTime")
    ts: datetime | None = None
    # Only failed steps become events (keyed and timed by their step time); skip parsing the rest.
    if ts_value and succeeded is not True:
        try:
            ts = parse_ts(ts_value)
        except ValueError:
            ts = None
    return AuthStep(
        method=intern(_str(entry.get("authenticationMethod"))),
        detail=normalise_phrase(raw_detail) if raw_detail else "",
        raw_detail=raw_detail,
        succeeded=succeeded,
        ts=ts,
        requirement=_str(entry.get("authenticationStepRequirement")),
    )


class Triage(IntEnum):
    """What the collector must do with a raw record (decided cheaply, before full normalisation)."""

    DROP = 0
    """Nothing a detection uses (single-factor success, satisfied by token, password failure, ...)."""
    KEEP = 1
    """May carry a denial event, a block, a fraud report or an MFA success: normalise it."""
    NOISE = 2
    """An MFA interrupt (50074, 50076, ...): only counted per user for the hunt summary."""
    SUCCESS = 3
    """An MFA approval with every step succeeded: only its success event is needed (fast path)."""


def triage(raw: dict[str, Any]) -> Triage:
    """Cheap first look at a raw sign-in: most benign records are dropped here without normalising.

    It must never drop what :func:`normalise_signin` would classify as a denial or an MFA success:
    when in doubt it keeps the record.
    """
    status = raw.get("status")
    if type(status) is dict:
        code = status.get("errorCode")
        add = status.get("additionalDetails")
    else:
        code = raw.get("errorCode")
        add = None
    if type(code) is not int:
        code = to_int(code)
        if code is None:
            return Triage.KEEP  # unknown code: let normalisation report it
    if code in DENIAL_CODES:
        return Triage.KEEP
    details = raw.get("authenticationDetails")
    success_phrase = False
    if details:
        if type(details) is not list:
            return Triage.KEEP  # LA JSON string: decoding it is normalisation's job
        for step in details:
            if type(step) is not dict or step.get("succeeded") is not True:
                return Triage.KEEP
        if code in SUCCESS_CODES:
            for step in details:
                method = step.get("authenticationMethod")
                if type(method) is str and method.strip().lower() == "previously satisfied":
                    return Triage.DROP  # SUCCESS_NO_MFA
                result = step.get("authenticationStepResultDetail")
                if type(result) is str and is_success_phrase(normalise_phrase(result)):
                    success_phrase = True
    if code in SUCCESS_CODES:
        if success_phrase:
            if add and type(add) is str and is_no_mfa_phrase(normalise_phrase(add)):
                return Triage.KEEP
            return Triage.SUCCESS
        if type(add) is str and add and is_success_phrase(normalise_phrase(add)):
            return Triage.KEEP
        if details:
            return Triage.DROP  # steps without an MFA approval: not a success that closes a chain
        if raw.get("authenticationRequirement") == "singleFactorAuthentication":
            return Triage.DROP
        return Triage.KEEP  # MFA required without step detail, or v1.0 (low-confidence success)
    if code in NOISE_CODES:
        return Triage.NOISE
    if type(add) is str and add and classify_denial_phrase(normalise_phrase(add)) is not None:
        return Triage.KEEP
    return Triage.DROP


def _identity(raw: Mapping[str, Any]) -> tuple[str, datetime, str, str]:
    """(id, time, lower-cased UPN, userId) of a sign-in; raises :class:`SkipRecord`."""
    rid = raw.get("id")
    if not rid or not isinstance(rid, str):
        raise SkipRecord("missing id")
    created = raw.get("createdDateTime")
    if not created:
        raise SkipRecord("missing createdDateTime")
    try:
        ts = parse_ts(created)
    except ValueError:
        raise SkipRecord("bad createdDateTime") from None
    # Interned: the same few users, IPs and apps recur in every kept record and event.
    upn = intern(_str(raw.get("userPrincipalName")).strip().lower())
    uid = intern(_str(raw.get("userId")).strip())
    if not upn and not uid:
        raise SkipRecord("missing user")
    return rid, ts, upn, uid


def fast_success(raw: dict[str, Any], *, default_interactive: bool = True) -> SuccessEvent:
    """The success event of a record :func:`triage` called ``SUCCESS``, without full normalisation.

    Gives what ``success_event(normalise_signin(raw))`` gives (a test holds the two together).
    """
    rid, ts, upn, uid = _identity(raw)
    location = raw.get("location")
    if type(location) is not dict:
        location = {}
    interactive = raw.get("isInteractive")
    if type(interactive) is not bool:
        interactive = _interactive(raw, default_interactive)
    method = ""
    for step in reversed(raw["authenticationDetails"]):
        detail = step.get("authenticationStepResultDetail")
        if type(detail) is str and is_success_phrase(normalise_phrase(detail)):
            method = _str(step.get("authenticationMethod"))
            break
    return SuccessEvent(
        record_id=rid,
        user_key=user_key(uid, upn),
        upn=upn,
        ts=ts,
        ip=intern(_str(raw.get("ipAddress")).strip()),
        country=intern(_str(location.get("countryOrRegion")).strip().upper()),
        app=intern(_str(raw.get("appDisplayName"))),
        method=method,
        interactive=interactive,
        low_confidence=False,
        city=intern(_str(location.get("city")).strip()),
        state=intern(_str(location.get("state")).strip()),
        asn=_asn(raw),
    )


def _asn(raw: Mapping[str, Any]) -> str:
    value = raw.get("autonomousSystemNumber")
    return intern(str(value).strip()) if value not in (None, "", 0, "0") else ""


def _interactive(raw: Mapping[str, Any], default: bool) -> bool:
    value = _as_bool(raw.get("isInteractive"))
    if value is not None:
        return value
    types = raw.get("signInEventTypes")
    return "interactiveUser" in types if isinstance(types, list) and types else default


def user_key(user_id: str, upn: str) -> str:
    """The stable key of a user: ``userId``, else the lower-cased UPN (reference §3 rule 1)."""
    return intern(user_id.lower() if user_id else f"upn:{upn}")


def normalise_signin(raw: object, *, default_interactive: bool = True) -> SignIn:
    """Normalise one raw (Graph-shaped) sign-in record; raises :class:`SkipRecord`."""
    if not isinstance(raw, Mapping):
        raise SkipRecord("not a JSON object")
    rid, ts, upn, uid = _identity(raw)
    status = raw.get("status")
    if status is None:
        status = {}
    if not isinstance(status, Mapping):
        raise SkipRecord("wrong type: status is not an object")
    raw_code = status.get("errorCode", raw.get("errorCode"))
    code = to_int(raw_code)
    if code is None:
        raise SkipRecord("missing errorCode" if raw_code in (None, "") else "wrong type: errorCode")
    status_detail_raw = _str(status.get("additionalDetails"))
    steps_raw = _steps_raw(raw)
    steps = tuple(_step(s) for s in steps_raw) if steps_raw else None
    location = raw.get("location")
    if not isinstance(location, Mapping):
        location = {}
    interactive = _interactive(raw, default_interactive)
    mfa_detail = raw.get("mfaDetail")
    mfa_method = _str(mfa_detail.get("authMethod")) if isinstance(mfa_detail, Mapping) else ""

    # detail: the MFA step's result detail if present, else status.additionalDetails (rule 1).
    step_detail_raw = ""
    if steps:
        mfa_steps = [s for s in steps if s.detail and not s.method.lower().startswith("password")]
        if mfa_steps:
            chosen = mfa_steps[-1]
            if code in DENIAL_CODES:
                failed = [s for s in mfa_steps if s.succeeded is False]
                chosen = failed[-1] if failed else chosen
            step_detail_raw = chosen.raw_detail
    raw_detail = step_detail_raw or status_detail_raw
    detail = normalise_phrase(raw_detail) if raw_detail else ""
    requirement = _str(raw.get("authenticationRequirement"))
    cls, low_conf, success_method = _classify(code, detail, steps, requirement, mfa_method)
    return SignIn(
        id=rid,
        ts=ts,
        user_key=user_key(uid, upn),
        upn=upn,
        user_id=uid,
        error_code=code,
        detail=detail,
        raw_detail=raw_detail,
        ip=intern(_str(raw.get("ipAddress")).strip()),
        country=intern(_str(location.get("countryOrRegion")).strip().upper()),
        city=intern(_str(location.get("city")).strip()),
        state=intern(_str(location.get("state")).strip()),
        app=intern(_str(raw.get("appDisplayName"))),
        user_agent=intern(_str(raw.get("userAgent"))),
        correlation_id=_str(raw.get("correlationId")).lower(),
        original_request_id=_str(raw.get("originalRequestId")).lower(),
        session_id=_str(raw.get("sessionId")).lower(),
        interactive=interactive,
        auth_requirement=requirement,
        steps=steps,
        user_type=_str(raw.get("userType")),
        cls=cls,
        low_confidence_success=low_conf,
        success_method=success_method or mfa_method,
        status_detail=status_detail_raw,
        asn=_asn(raw),
    )


def _classify(
    code: int, detail: str, steps: tuple[AuthStep, ...] | None, requirement: str, mfa_method: str
) -> tuple[EventClass, bool, str]:
    """(class, low-confidence success?, success method) of a record (reference §3 rule 2)."""
    if code in SUCCESS_CODES:
        methods = [s.method for s in steps or () if s.succeeded is not False]
        if any(m.strip().lower() == "previously satisfied" for m in methods) or is_no_mfa_phrase(detail):
            return EventClass.SUCCESS_NO_MFA, False, ""
        if steps:
            for s in reversed(steps):
                if s.succeeded is not False and is_success_phrase(s.detail):
                    return EventClass.MFA_SUCCESS, False, s.method
        if is_success_phrase(detail):
            return EventClass.MFA_SUCCESS, False, mfa_method
        if requirement.lower() == "multifactorauthentication" and not steps:
            return EventClass.MFA_SUCCESS, False, mfa_method
        if not steps and not requirement:
            # v1.0 record: nothing says whether MFA happened; it may close a chain with low confidence.
            return EventClass.OTHER, True, mfa_method
        return EventClass.OTHER, False, ""
    if code in DENIAL_CODES:
        return classify_denial_phrase(detail) or EventClass.MFA_FAIL_OTHER, False, ""
    if code in (50074, 50076):
        return EventClass.MFA_INTERRUPT, False, ""
    phrase_cls = classify_denial_phrase(detail)
    if phrase_cls is not None:
        return phrase_cls, False, ""
    return EventClass.OTHER, False, ""


# -- directory audits and risk detections -------------------------------------------------------


def _id_and_time(raw: object, *time_fields: str) -> tuple[Mapping[str, Any], str, datetime]:
    """The object, its ``id`` and the first present time field; raises :class:`SkipRecord`."""
    if not isinstance(raw, Mapping):
        raise SkipRecord("not a JSON object")
    rid = raw.get("id")
    if not rid or not isinstance(rid, str):
        raise SkipRecord("missing id")
    try:
        ts = parse_ts(next((raw[f] for f in time_fields if raw.get(f)), None))
    except ValueError:
        raise SkipRecord(f"missing or bad {time_fields[0]}") from None
    return raw, rid, ts


def normalise_audit(raw_obj: object) -> AuditEvent:
    """Normalise a directoryAudit object; raises :class:`SkipRecord`."""
    raw, rid, ts = _id_and_time(raw_obj, "activityDateTime")
    target_ids: list[str] = []
    target_upns: list[str] = []
    pairs: list[tuple[str, str]] = []
    modified: list[str] = []
    targets = raw.get("targetResources") or []
    if not isinstance(targets, list):
        raise SkipRecord("wrong type: targetResources is not a list")
    for target in targets:
        if not isinstance(target, Mapping):
            continue
        ttype = _str(target.get("type")).lower()
        if ttype and ttype != "user":
            continue
        tid = _str(target.get("id")).lower()
        tupn = _str(target.get("userPrincipalName")).strip().lower()
        if tid:
            target_ids.append(tid)
        if tupn:
            target_upns.append(tupn)
        if tid or tupn:
            pairs.append((tid, tupn))
        for prop in target.get("modifiedProperties") or ():
            if isinstance(prop, Mapping) and prop.get("displayName"):
                modified.append(_str(prop.get("displayName")))
    initiated = raw.get("initiatedBy")
    user: Mapping[str, Any] = {}
    if isinstance(initiated, Mapping) and isinstance(initiated.get("user"), Mapping):
        user = initiated["user"]
    return AuditEvent(
        id=rid,
        ts=ts,
        activity=_str(raw.get("activityDisplayName")).strip(),
        category=_str(raw.get("category")),
        result=_str(raw.get("result")),
        result_reason=_str(raw.get("resultReason")).strip(),
        target_user_ids=tuple(target_ids),
        target_upns=tuple(target_upns),
        initiator_user_id=_str(user.get("id")).lower(),
        initiator_upn=_str(user.get("userPrincipalName")).strip().lower(),
        initiator_ip=_str(user.get("ipAddress")),
        modified_properties=tuple(modified),
        targets=tuple(pairs),
    )


def normalise_risk(raw_obj: object) -> RiskEvent:
    """Normalise a riskDetection object (time = ``activityDateTime``); raises :class:`SkipRecord`."""
    raw, rid, ts = _id_and_time(raw_obj, "activityDateTime", "detectedDateTime")
    upn = _str(raw.get("userPrincipalName")).strip().lower()
    uid = _str(raw.get("userId")).strip()
    if not upn and not uid:
        raise SkipRecord("missing user")
    location = raw.get("location")
    country = ""
    if isinstance(location, Mapping):
        country = _str(location.get("countryOrRegion")).upper()
    return RiskEvent(
        id=rid,
        ts=ts,
        risk_event_type=_str(raw.get("riskEventType")),
        upn=upn,
        user_id=uid.lower(),
        ip=_str(raw.get("ipAddress")),
        country=country,
        risk_level=_str(raw.get("riskLevel")),
    )
