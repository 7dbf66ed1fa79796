"""A small Conditional Access evaluator for the emulator's sign-in logs (``appliedConditionalAccessPolicies``).

Not mfaguard's engine (that judges an attacker over every cell, DESIGN §10): this one replays what Entra
writes into one sign-in record. For each policy that existed at the sign-in's time:

- ``disabled`` → ``notEnabled``;
- conditions, in Graph's ``conditionalAccessConditions`` terms: ``users`` (All, ids, groups with nested
  membership, active directory-scope roles held directly or through a role-assignable group, guest
  types), ``application`` (All, Office365, MicrosoftAdminPortals, app or resource id; user actions and
  authentication contexts never match an app sign-in), ``clientType`` (``clientAppUsed`` → browser,
  mobileAppsAndDesktopClients, exchangeActiveSync, or ``other`` for IMAP4, POP3, Authenticated SMTP and
  the other legacy protocols), ``devicePlatform``, ``location`` (IP ranges, countries, AllTrusted),
  ``signInRisk``/``userRisk``, the device filter, and workload-identity or auth-flow conditions (never met
  by these user sign-ins). Not met → ``notApplied`` (``reportOnlyNotApplied`` for report-only policies);
- met: the grant is judged against what the sign-in did — ``block`` never passes; ``mfa`` and a strength
  pass when MFA was done (a strength only with an allowed method combination); compliant / joined device
  from ``deviceDetail``; approved / compliant app for Microsoft's mobile apps on iOS and Android; terms of
  use are accepted; password change, risk remediation and custom factors do not pass. ``AND`` needs every
  control, ``OR`` one. Enforced policies give ``success``/``failure``; report-only ones
  ``reportOnlySuccess``, ``reportOnlyFailure`` (blocked, a legacy client, or MFA already failed) or
  ``reportOnlyInterrupted`` (the user would have been prompted).

Sign-ins that failed before Conditional Access (a wrong password) carry no policies.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from mfaguard.emulator.conditional_access import ConditionalAccess
from mfaguard.emulator.device_filter import FilterSyntaxError, parse_rule
from mfaguard.emulator.directory import Directory

OFFICE_365_APPS = frozenset(
    {
        "00000002-0000-0ff1-ce00-000000000000",  # Office 365 Exchange Online
        "00000003-0000-0ff1-ce00-000000000000",  # Office 365 SharePoint Online
        "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",  # Microsoft Teams Services
        "1fec8e78-bce4-4aaf-ab1b-5451cc387264",  # Microsoft Teams
        "d3590ed6-52b3-4102-aeff-aad2292ab01c",  # Microsoft Office
        "27922004-5251-4030-b22d-91ecd9a37ea4",  # Outlook Mobile
        "4765445b-32c6-49b0-83e6-1d93765276ca",  # OfficeHome
    }
)
ADMIN_PORTAL_APPS = frozenset(
    {
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",  # Azure portal
        "00000006-0000-0ff1-ce00-000000000000",  # Microsoft 365 admin center
    }
)
APPROVED_APPS = frozenset({"27922004-5251-4030-b22d-91ecd9a37ea4", "1fec8e78-bce4-4aaf-ab1b-5451cc387264"})
CLIENT_TYPES = {
    "browser": "browser",
    "mobile apps and desktop clients": "mobileAppsAndDesktopClients",
    "exchange activesync": "exchangeActiveSync",
}
LEGACY = frozenset({"exchangeActiveSync", "other"})
PLATFORMS = {
    "windows": "windows",
    "windows10": "windows",
    "windows 10": "windows",
    "windows11": "windows",
    "ios": "iOS",
    "android": "android",
    "macos": "macOS",
    "mac os x": "macOS",
    "linux": "linux",
    "ubuntu": "linux",
    "windowsphone": "windowsPhone",
}
# authenticationDetails[].authenticationMethod → authenticationMethodModes
METHOD_MODES = {
    "password": "password",
    "mobile app notification": "microsoftAuthenticatorPush",
    "text message": "sms",
    "phone call": "voice",
    "mobile app verification code": "softwareOath",
    "oath verification code": "softwareOath",
    "oath hardware token": "hardwareOath",
    "fido2 security key": "fido2",
    "passkey": "fido2",
    "passkey (device-bound)": "fido2",
    "windows hello for business": "windowsHelloForBusiness",
    "passwordless phone sign-in": "deviceBasedPush",
    "x.509 certificate": "x509CertificateMultiFactor",
    "temporary access pass": "temporaryAccessPassOneTime",
}
GRANT_NAMES = {
    "block": "Block",
    "mfa": "Mfa",
    "compliantDevice": "RequireCompliantDevice",
    "domainJoinedDevice": "RequireDomainJoinedDevice",
    "approvedApplication": "RequireApprovedApp",
    "compliantApplication": "RequireCompliantApp",
    "passwordChange": "RequirePasswordChange",
    "riskRemediation": "RequireRiskRemediation",
}
NO_CA_ERRORS = frozenset({50126, 50053, 50055, 50057, 50034})


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class SignInFacts:
    """What the evaluator reads from one sign-in record."""

    user_id: str
    app_ids: frozenset[str]
    client_type: str
    platform: str | None
    ip: str
    country: str
    device: Mapping[str, Any]
    sign_in_risk: str
    user_risk: str
    modes: frozenset[str]
    mfa_done: bool
    failed: bool

    @staticmethod
    def of(row: Mapping[str, Any]) -> SignInFacts:
        detail = row.get("deviceDetail") or {}
        steps = row.get("authenticationDetails") or []
        modes = frozenset(
            METHOD_MODES[str(s.get("authenticationMethod", "")).lower()]
            for s in steps
            if s.get("succeeded") and str(s.get("authenticationMethod", "")).lower() in METHOD_MODES
        )
        previously = any(
            str(s.get("authenticationMethod", "")).lower() == "previously satisfied" for s in steps
        )
        error = int((row.get("status") or {}).get("errorCode", 0) or 0)
        mfa = row.get("authenticationRequirement") == "multiFactorAuthentication" and error == 0
        client = str(row.get("clientAppUsed") or "")
        return SignInFacts(
            user_id=str(row.get("userId", "")),
            app_ids=frozenset(str(x) for x in (row.get("appId"), row.get("resourceId")) if x),
            client_type=CLIENT_TYPES.get(client.lower(), "other"),
            platform=PLATFORMS.get(str(detail.get("operatingSystem") or "").lower()),
            ip=str(row.get("ipAddress") or ""),
            country=str((row.get("location") or {}).get("countryOrRegion") or ""),
            device={str(k).lower(): v for k, v in detail.items()},
            sign_in_risk=str(row.get("riskLevelDuringSignIn") or "none"),
            user_risk=str(row.get("riskLevelAggregated") or "none"),
            modes=modes | ({"previouslySatisfied"} if previously else frozenset()),
            mfa_done=mfa or previously,
            failed=error != 0,
        )


class Evaluator:
    """Evaluates a tenant's policies for sign-ins (membership lookups cached per instance)."""

    def __init__(self, directory: Directory, ca: ConditionalAccess) -> None:
        self.directory = directory
        self.ca = ca
        self._groups: dict[str, frozenset[str]] = {}
        self._roles: dict[str, frozenset[str]] = {}
        self._guests: dict[str, str | None] = {}

    # ------------------------------------------------------------------------------------ lookups

    def groups_of(self, object_id: str) -> frozenset[str]:
        found = self._groups.get(object_id)
        if found is None:
            found = frozenset(self.directory.transitive_member_of(object_id))
            self._groups[object_id] = found
        return found

    def roles_of(self, user_id: str) -> frozenset[str]:
        """Role template ids held actively at directory scope, directly or through a group."""
        found = self._roles.get(user_id)
        if found is None:
            principals = {user_id, *self.groups_of(user_id)}
            found = frozenset(
                a["roleDefinitionId"]
                for a in self.ca.role_assignments
                if a["principalId"] in principals and a.get("directoryScopeId", "/") == "/"
            )
            self._roles[user_id] = found
        return found

    def guest_type(self, user_id: str) -> str | None:
        if user_id not in self._guests:
            self._guests[user_id] = self._guest_type(user_id)
        return self._guests[user_id]

    def _guest_type(self, user_id: str) -> str | None:
        user = self.directory.user(user_id) or {}
        external = "#EXT#" in str(user.get("userPrincipalName", "")).upper()
        if str(user.get("userType", "Member")).lower() == "guest":
            return "b2bCollaborationGuest" if external else "internalGuest"
        return "b2bCollaborationMember" if external else None

    @cached_property
    def _locations(self) -> dict[str, Mapping[str, Any]]:
        return {str(loc["id"]).lower(): loc for loc in self.ca.named_locations}

    def _in_location(self, location: Mapping[str, Any], facts: SignInFacts) -> bool:
        if "countriesAndRegions" in location:
            if not facts.country:
                return bool(location.get("includeUnknownCountriesAndRegions"))
            return facts.country.upper() in {c.upper() for c in location.get("countriesAndRegions", [])}
        try:
            address = ipaddress.ip_address(facts.ip)
        except ValueError:
            return False
        for item in location.get("ipRanges", []):
            try:
                if address in ipaddress.ip_network(str(item.get("cidrAddress")), strict=False):
                    return True
            except ValueError:
                continue
        return False

    # --------------------------------------------------------------------------------- conditions

    def _users(self, users: Mapping[str, Any], facts: SignInFacts, side: str) -> str | None:
        """The rule that puts the user on ``side`` (include/exclude), or None."""
        uid = facts.user_id
        guest = self.guest_type(uid)
        listed = {str(x) for x in users.get(f"{side}Users") or []}
        if "All" in listed:
            return "allUsers"
        if uid in listed:
            return "userId"
        if "GuestsOrExternalUsers" in listed and guest:
            return "guest"
        if set(users.get(f"{side}Groups") or []) & self.groups_of(uid):
            return "groupId"
        if set(users.get(f"{side}Roles") or []) & self.roles_of(uid):
            return "roleId"
        typed = users.get(f"{side}GuestsOrExternalUsers")
        if typed and guest and guest in str(typed.get("guestOrExternalUserTypes", "")).split(","):
            return guest
        return None

    def _apps(self, apps: Mapping[str, Any], facts: SignInFacts, side: str) -> str | None:
        listed = {str(x) for x in apps.get(f"{side}Applications") or []}
        if "All" in listed:
            return "allApps"
        if "Office365" in listed and facts.app_ids & OFFICE_365_APPS:
            return "office365"
        if "MicrosoftAdminPortals" in listed and facts.app_ids & ADMIN_PORTAL_APPS:
            return "microsoftAdminPortals"
        if listed & facts.app_ids:
            return "appId"
        return None

    def _location(self, locations: Mapping[str, Any], facts: SignInFacts, side: str) -> str | None:
        for item in locations.get(f"{side}Locations") or []:
            if item == "All":
                return "allLocations"
            if item == "AllTrusted":
                if any(
                    loc.get("isTrusted") and self._in_location(loc, facts) for loc in self.ca.named_locations
                ):
                    return "allTrustedLocations"
                continue
            location = self._locations.get(str(item).lower())
            if location is not None and self._in_location(location, facts):
                return "locationId"
        return None

    def conditions(
        self, policy: Mapping[str, Any], facts: SignInFacts
    ) -> tuple[list[str], list[str], list[dict[str, str]]]:
        """``(satisfied, not satisfied, include rules)`` in ``conditionalAccessConditions`` terms."""
        cond = policy.get("conditions") or {}
        ok: list[str] = []
        bad: list[str] = []
        rules: list[dict[str, str]] = []

        def judge(name: str, met: bool, rule: str | None = None) -> None:
            (ok if met else bad).append(name)
            if met and rule:
                rules.append({"conditionalAccessCondition": name, "ruleSatisfied": rule})

        users = cond.get("users") or {}
        included = self._users(users, facts, "include")
        judge("users", included is not None and self._users(users, facts, "exclude") is None, included)
        apps = cond.get("applications") or {}
        app_rule = self._apps(apps, facts, "include")
        judge("application", app_rule is not None and self._apps(apps, facts, "exclude") is None, app_rule)
        types = cond.get("clientAppTypes") or ["all"]
        if "all" not in types:
            judge("clientType", facts.client_type in types)
        platforms = cond.get("platforms")
        if platforms is not None:
            include = platforms.get("includePlatforms") or []
            hit = "all" in include or (facts.platform is not None and facts.platform in include)
            out = facts.platform is not None and facts.platform in (platforms.get("excludePlatforms") or [])
            judge(
                "devicePlatform",
                hit and not out,
                "allDevicePlatforms" if "all" in include else "devicePlatform",
            )
        locations = cond.get("locations")
        if locations is not None:
            rule = self._location(locations, facts, "include")
            judge("location", rule is not None and self._location(locations, facts, "exclude") is None, rule)
        if cond.get("signInRiskLevels"):
            judge("signInRisk", facts.sign_in_risk in cond["signInRiskLevels"])
        if cond.get("userRiskLevels"):
            judge("userRisk", facts.user_risk in cond["userRiskLevels"])
        if cond.get("clientApplications") is not None:
            judge("servicePrincipals", False)  # workload identities, never a user sign-in
        if cond.get("authenticationFlows") is not None:
            judge("authenticationFlows", False)  # device code / transfer flows are not generated
        if cond.get("insiderRiskLevels"):
            judge("insiderRisk", False)
        device_filter = (cond.get("devices") or {}).get("deviceFilter")
        if device_filter is not None and not self._device_kept(device_filter, facts):
            bad.append("deviceState")
        return ok, bad, rules

    def _device_kept(self, device_filter: Mapping[str, Any], facts: SignInFacts) -> bool:
        try:
            matches = parse_rule(str(device_filter.get("rule", "")))(facts.device)
        except FilterSyntaxError:
            return True
        return matches if device_filter.get("mode") == "include" else not matches

    # -------------------------------------------------------------------------------------- grant

    def _strength_met(self, strength_id: str, facts: SignInFacts) -> bool:
        strength = self.ca.strength(strength_id)
        if strength is None or not facts.mfa_done:
            return False
        if "previouslySatisfied" in facts.modes:
            return True
        used = facts.modes
        for combination in strength.get("allowedCombinations", []):
            needed = frozenset(p.strip() for p in str(combination).split(","))
            if needed <= used and (used - needed) <= {"password"}:
                return True
        return False

    def grant(self, grant: Mapping[str, Any] | None, facts: SignInFacts) -> str:
        """``met``, ``block`` or ``unmet`` for this sign-in."""
        if grant is None:
            return "met"  # session controls only
        controls = list(grant.get("builtInControls") or [])
        if "block" in controls:
            return "block"
        results: list[bool] = []
        device = facts.device
        for control in controls:
            if control == "mfa":
                results.append(facts.mfa_done)
            elif control == "compliantDevice":
                results.append(device.get("iscompliant") is True)
            elif control == "domainJoinedDevice":
                results.append(
                    str(device.get("trusttype", "")).lower() in ("hybrid azure ad joined", "domain joined")
                )
            elif control in ("approvedApplication", "compliantApplication"):
                results.append(bool(facts.app_ids & APPROVED_APPS) and facts.platform in ("iOS", "android"))
            else:  # passwordChange, riskRemediation, unknown
                results.append(False)
        strength = grant.get("authenticationStrength")
        if isinstance(strength, dict):
            results.append(self._strength_met(str(strength.get("id")), facts))
        results.extend(True for _ in grant.get("termsOfUse") or [])
        results.extend(False for _ in grant.get("customAuthenticationFactors") or [])
        if not results:
            return "met"
        met = all(results) if grant.get("operator") == "AND" else any(results)
        return "met" if met else "unmet"

    # --------------------------------------------------------------------------------------- apply

    def applied(
        self, policies: Sequence[Mapping[str, Any]], row: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], str]:
        """``(appliedConditionalAccessPolicies, conditionalAccessStatus)`` for one sign-in record."""
        error = int((row.get("status") or {}).get("errorCode", 0) or 0)
        if error in NO_CA_ERRORS:
            return [], "notApplied"
        facts = SignInFacts.of(row)
        when = _time(row.get("createdDateTime"))
        out: list[dict[str, Any]] = []
        enforced: list[str] = []
        for policy in policies:
            created = _time(policy.get("createdDateTime"))
            if when is not None and created is not None and created > when:
                continue  # the policy did not exist yet
            entry, enforced_result = self._one(policy, facts)
            out.append(entry)
            if enforced_result:
                enforced.append(enforced_result)
        status = "failure" if "failure" in enforced else "success" if "success" in enforced else "notApplied"
        return out, status

    def _one(self, policy: Mapping[str, Any], facts: SignInFacts) -> tuple[dict[str, Any], str | None]:
        state = policy.get("state")
        grant = policy.get("grantControls")
        session = policy.get("sessionControls") or {}
        controls = [GRANT_NAMES.get(c, c) for c in (grant or {}).get("builtInControls") or []]
        strength_ref = (grant or {}).get("authenticationStrength")
        if isinstance(strength_ref, dict):
            controls.append("RequireAuthenticationStrength")
        if (grant or {}).get("termsOfUse"):
            controls.append("TermsOfUse")
        ok, bad, rules = self.conditions(policy, facts)
        report_only = state == "enabledForReportingButNotEnforced"
        enforced_result: str | None = None
        if state == "disabled":
            result = "notEnabled"
        elif bad:
            result = "reportOnlyNotApplied" if report_only else "notApplied"
        else:
            outcome = self.grant(grant, facts)
            if report_only:
                interruptible = outcome == "unmet" and facts.client_type not in LEGACY and not facts.failed
                result = {"met": "reportOnlySuccess", "block": "reportOnlyFailure"}.get(
                    outcome, "reportOnlyInterrupted" if interruptible else "reportOnlyFailure"
                )
            else:
                result = "success" if outcome == "met" else "failure"
                enforced_result = result
        strength = self.ca.strength(str(strength_ref.get("id"))) if isinstance(strength_ref, dict) else None
        entry: dict[str, Any] = {
            "id": policy.get("id"),
            "displayName": policy.get("displayName"),
            "enforcedGrantControls": controls,
            "enforcedSessionControls": _session_names(session),
            "result": result,
            "conditionsSatisfied": ",".join(ok) or "none",
            "conditionsNotSatisfied": ",".join(bad) or "none",
            "includeRulesSatisfied": rules if not bad and state != "disabled" else [],
            "excludeRulesSatisfied": [],
            "sessionControlsNotSatisfied": [],
            "authenticationStrength": None
            if strength is None
            else {
                "authenticationStrengthId": strength["id"],
                "displayName": strength["displayName"],
                "authenticationStrengthResult": "satisfied"
                if not bad and self._strength_met(str(strength["id"]), facts)
                else "notSet",
            },
        }
        return entry, enforced_result


def _session_names(session: Mapping[str, Any]) -> list[str]:
    names = {
        "signInFrequency": "SignInFrequency",
        "persistentBrowser": "PersistentBrowserSessionMode",
        "cloudAppSecurity": "CloudAppSecurity",
        "applicationEnforcedRestrictions": "AppEnforcedRestrictions",
    }
    return [label for key, label in names.items() if (session.get(key) or {}).get("isEnabled")]


def annotate(
    rows: Iterable[dict[str, Any]], evaluator: Evaluator, policies: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Copies of ``rows`` carrying ``appliedConditionalAccessPolicies`` and ``conditionalAccessStatus``."""
    out = []
    for row in rows:
        applied, status = evaluator.applied(policies, row)
        out.append({**row, "appliedConditionalAccessPolicies": applied, "conditionalAccessStatus": status})
    return out
