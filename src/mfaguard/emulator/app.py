"""The emulator as an ASGI application: Entra token endpoints, Graph ``/v1.0`` and ``/beta``, and the
test control plane under ``/_emulator/``.

A plain ASGI callable (no framework routing) keeps per-request overhead low: benchmarks run 200-tenant
fleets and 100k-user reads against it. Use it in-process with ``httpx.ASGITransport(app=create_app(emu))``
or over HTTPS with :func:`mfaguard.emulator.server.running_emulator`.

Request pipeline for Graph: authenticate the bearer token (401 ``InvalidAuthenticationToken``) → the
tenant from its ``tid`` → latency → scripted/rated faults (out-of-band edits first, then at most one
of 429/5xx, timeout, connection reset) → parse the JSON body → the handler (under the emulator lock)
→ the reply with ``request-id``/``client-request-id`` headers → the request log.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import httpx

from mfaguard.emulator import entra
from mfaguard.emulator.context import JSON_CONTENT_TYPE, Ctx, GraphReply, GraphRequest
from mfaguard.emulator.enums import PREFER_UNKNOWN, wants_unknown
from mfaguard.emulator.errors import GraphFailure, bad_request, graph_error_body
from mfaguard.emulator.faults import FaultRule
from mfaguard.emulator.graph_api import dispatch
from mfaguard.emulator.state import Emulator, LogEntry, Tenant
from mfaguard.emulator.tokens import TokenRejected

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

VERSIONS = ("v1.0", "beta")
MAX_BATCH = 20
_WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
_WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)


class ConnectionReset(httpx.ReadError):
    """Raised in-process (``httpx.ASGITransport``) when a ``reset`` or elapsed ``timeout`` fault fires
    and there is no socket to abort: clients see the same ``httpx.TransportError`` family as over TCP."""


def create_app(emulator: Emulator) -> EmulatorApp:
    """The ASGI app serving ``emulator``."""
    return EmulatorApp(emulator)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _http_date(now: float) -> str:
    return email.utils.formatdate(now, usegmt=True)


def _error_reply(
    failure: GraphFailure, *, request_id: str, client_request_id: str | None, now: float
) -> GraphReply:
    return GraphReply(
        failure.status,
        graph_error_body(
            failure.code, failure.message, request_id=request_id, client_request_id=client_request_id, now=now
        ),
        dict(failure.headers),
    )


class EmulatorApp:
    """ASGI entry point (see the module docstring)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host") or "{}:{}".format(*(scope.get("server") or ("127.0.0.1", 80)))
        base_url = f"{scope.get('scheme', 'http')}://{host}"
        path: str = scope["path"]
        method: str = scope["method"].upper()
        query = scope.get("query_string", b"").decode("latin-1")
        segments = path.strip("/").split("/")
        if segments[0] in VERSIONS:
            await self._graph(scope, receive, send, method, segments[0], path, query, headers, body, base_url)
        elif segments[0] == "_emulator":
            await self._control(scope, send, method, segments[1:], query, body, base_url)
        elif len(segments) >= 2:
            await self._entra(send, method, segments, path, query, headers, body, base_url)
        else:
            await self._send_json(
                send, 404, {"error": {"code": "NotFound", "message": f"No resource at {path}."}}, {}
            )

    # ------------------------------------------------------------------------------------ sending

    async def _send(
        self, send: Send, status: int, payload: bytes, content_type: str | None, headers: dict[str, str]
    ) -> None:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        if content_type:
            raw.append((b"content-type", content_type.encode("latin-1")))
        raw.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": payload})

    async def _send_json(self, send: Send, status: int, body: Any, headers: dict[str, str]) -> None:
        await self._send(send, status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

    # -------------------------------------------------------------------------------------- Entra

    async def _entra(
        self,
        send: Send,
        method: str,
        segments: list[str],
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        base_url: str,
    ) -> None:
        emu = self.emu
        started = time.perf_counter()
        tenant_key = segments[0]
        rest = "/".join(segments[1:]).lower()
        entry = emu.new_log_entry(
            method=method, path=path, version="entra", query=query, tenant=None, app_id=None
        )
        reply: entra.EntraReply | None = None
        # Token-endpoint faults are opt-in (rules with version="entra"); rate faults for Graph leave it alone.
        fault = self._pick_faults(method, "/" + rest, "entra", None, entry)
        if fault is not None and fault.kind == "status":
            reply = entra.EntraReply(
                fault.status,
                {
                    "error": "temporarily_unavailable",
                    "error_description": "AADSTS90033: A transient error has occurred. Please try again.",
                },
                {"Retry-After": str(fault.retry_after)} if fault.retry_after else {},
            )
        elif fault is not None and fault.kind in ("timeout", "reset"):
            await self._hang_or_reset(fault, None, entry)
            return
        elif (
            rest in ("v2.0/.well-known/openid-configuration", ".well-known/openid-configuration")
            and method == "GET"
        ):
            reply = entra.openid_configuration(emu, tenant_key, base_url)
        elif rest in ("discovery/v2.0/keys", "discovery/keys") and method == "GET":
            reply = entra.jwks(emu, tenant_key)
        elif rest == "oauth2/v2.0/token":
            if method != "POST":
                reply = entra.EntraReply(
                    405,
                    {
                        "error": "invalid_request",
                        "error_description": "AADSTS900561: The endpoint only accepts POST requests.",
                    },
                )
            else:
                with emu.lock:
                    reply = entra.token(emu, tenant_key, body, headers, base_url)
        else:
            reply = entra.EntraReply(
                404,
                {"error": "not_found", "error_description": f"The emulator has no Entra endpoint {path}."},
            )
        entry.tenant = reply.tenant
        entry.app_id = reply.client_id
        entry.status = reply.status
        entry.duration_ms = (time.perf_counter() - started) * 1000
        request_id = str(uuid.uuid4())
        out_headers = {"x-ms-request-id": request_id, "Date": _http_date(emu.clock()), **reply.headers}
        await self._send_json(send, reply.status, reply.body, out_headers)

    # -------------------------------------------------------------------------------------- Graph

    def _authenticate(self, headers: dict[str, str], now: float) -> tuple[Tenant, dict[str, Any]]:
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            raise GraphFailure(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty.",
                headers={"WWW-Authenticate": _WWW_AUTHENTICATE},
            )
        try:
            claims = self.emu.validator.validate(auth[7:].strip(), now=now)
        except TokenRejected as exc:
            raise GraphFailure(
                401,
                "InvalidAuthenticationToken",
                exc.message,
                headers={"WWW-Authenticate": _WWW_AUTHENTICATE},
            ) from None
        tenant = self.emu.tenants.get(str(claims.get("tid", "")))
        if tenant is None:
            raise GraphFailure(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid issuer: the token's tenant is unknown.",
                headers={"WWW-Authenticate": _WWW_AUTHENTICATE},
            )
        return tenant, claims

    def _pick_faults(
        self, method: str, path: str, version: str, tenant: str | None, entry: LogEntry
    ) -> FaultRule | None:
        emu = self.emu
        if not emu.faults.rules:
            return None
        with emu.lock:
            fired = emu.faults.pick(method=method, path=path, version=version, tenant=tenant)
        terminal: FaultRule | None = None
        for rule in fired:
            if rule.kind == "edit":
                assert rule.edit is not None
                emu.apply_edit(rule.edit, tenant)
                entry.fault = "edit"
            else:
                terminal = rule
        if terminal is not None:
            entry.fault = terminal.kind if terminal.kind != "status" else f"status {terminal.status}"
        return terminal

    async def _hang_or_reset(self, fault: FaultRule, scope: Scope | None, entry: LogEntry) -> None:
        abort = scope.get("mfaguard.abort") if scope is not None else None
        entry.status = 0
        if fault.kind == "timeout":
            # Hang until the client gives up; bounded by hang_s so a forgotten rule cannot pin the
            # server forever. Afterwards the connection is dropped without an answer.
            await asyncio.sleep(fault.hang_s)
        if callable(abort):
            abort()
            return
        raise ConnectionReset(f"connection dropped by the emulator (injected {fault.kind} fault)")

    async def _graph(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        method: str,
        version: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        base_url: str,
    ) -> None:
        emu = self.emu
        started = time.perf_counter()
        now = emu.clock()
        request_id = str(uuid.uuid4())
        client_request_id = headers.get("client-request-id")
        rest = path[len(version) + 1 :] or "/"
        entry = emu.new_log_entry(
            method=method, path=path, version=version, query=query, tenant=None, app_id=None
        )
        reply: GraphReply
        try:
            tenant, claims = self._authenticate(headers, now)
        except GraphFailure as failure:
            reply = _error_reply(failure, request_id=request_id, client_request_id=client_request_id, now=now)
            await self._finish(send, reply, entry, started, request_id, client_request_id, now)
            return
        entry.tenant = tenant.id
        entry.app_id = str(claims.get("appid", ""))
        latency = emu.latency_s(tenant)
        if latency > 0:
            await asyncio.sleep(latency)
        parsed_body: Any = None
        if method in _WRITE_METHODS and body:
            try:
                parsed_body = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                parsed_body = _INVALID
        if method in _WRITE_METHODS:
            entry.body = None if parsed_body is _INVALID else parsed_body
        fault = self._pick_faults(method, rest, version, tenant.id, entry)
        if fault is not None and fault.kind in ("timeout", "reset"):
            await self._hang_or_reset(fault, scope, entry)
            return
        if fault is not None:
            reply = self._fault_reply(fault, request_id, client_request_id, now)
        elif parsed_body is _INVALID:
            reply = _error_reply(
                bad_request(
                    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."
                ),
                request_id=request_id,
                client_request_id=client_request_id,
                now=now,
            )
        elif method == "PATCH" and not body:
            reply = _error_reply(
                bad_request("Empty Payload. JSON content expected."),
                request_id=request_id,
                client_request_id=client_request_id,
                now=now,
            )
        else:
            params = dict(parse_qsl(query, keep_blank_values=True))
            request = GraphRequest(
                method, version, rest, params, headers, parsed_body, base_url, raw_body=body
            )
            ctx = Ctx(emu, tenant, claims, frozenset(claims.get("roles") or ()), request, now)
            if rest.strip("/").lower() == "$batch":
                reply = await self._batch(ctx, request_id, client_request_id, entry)
            else:
                reply = self._call(ctx, request_id, client_request_id)
        await self._finish(send, reply, entry, started, request_id, client_request_id, now)

    def _fault_reply(
        self, fault: FaultRule, request_id: str, client_request_id: str | None, now: float
    ) -> GraphReply:
        codes = {
            429: ("TooManyRequests", "Please retry again later."),
            500: ("InternalServerError", "An internal server error occurred."),
            502: ("BadGateway", "Bad gateway."),
            503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry later."),
            504: ("GatewayTimeout", "The gateway timed out."),
        }
        code, message = codes.get(fault.status, ("UnknownError", f"Injected failure {fault.status}."))
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return _error_reply(
            GraphFailure(fault.status, code, message, headers=headers),
            request_id=request_id,
            client_request_id=client_request_id,
            now=now,
        )

    def _call(self, ctx: Ctx, request_id: str, client_request_id: str | None) -> GraphReply:
        try:
            with self.emu.lock:
                reply = dispatch(ctx)
            if reply.status < 400 and wants_unknown(ctx.req.headers):
                reply.headers["Preference-Applied"] = PREFER_UNKNOWN
            return reply
        except GraphFailure as failure:
            return _error_reply(
                failure, request_id=request_id, client_request_id=client_request_id, now=ctx.now
            )

    async def _finish(
        self,
        send: Send,
        reply: GraphReply,
        entry: LogEntry,
        started: float,
        request_id: str,
        client_request_id: str | None,
        now: float,
    ) -> None:
        payload, content_type = reply.encode()
        headers = {
            "Cache-Control": "no-cache",
            "request-id": request_id,
            "client-request-id": client_request_id or request_id,
            "x-ms-ags-diagnostic": '{"ServerInfo":{"DataCenter":"Emulator","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"mfaguard-emulator"}}',
            "Date": _http_date(now),
            **reply.headers,
        }
        if content_type == JSON_CONTENT_TYPE:
            headers["OData-Version"] = "4.0"
        entry.status = reply.status
        entry.duration_ms = (time.perf_counter() - started) * 1000
        await self._send(send, reply.status, payload, content_type, headers)

    # -------------------------------------------------------------------------------------- $batch

    async def _batch(
        self, ctx: Ctx, request_id: str, client_request_id: str | None, entry: LogEntry
    ) -> GraphReply:
        """JSON batching (graph.md §7): ≤20 requests, unique ids, dependsOn → 424, inner faults/429s."""
        if ctx.req.method != "POST":
            return _error_reply(
                GraphFailure(405, "Request_BadRequest", "$batch accepts POST only."),
                request_id=request_id,
                client_request_id=client_request_id,
                now=ctx.now,
            )
        try:
            requests = self._validate_batch(ctx.req.body)
        except GraphFailure as failure:
            return _error_reply(
                failure, request_id=request_id, client_request_id=client_request_id, now=ctx.now
            )
        statuses: dict[str, int] = {}
        responses: list[dict[str, Any]] = []
        for item in requests:
            inner_id = str(item["id"])
            failed_dep = [d for d in item.get("dependsOn") or [] if statuses.get(str(d).lower(), 0) >= 400]
            if failed_dep:
                status = 424
                responses.append(
                    {
                        "id": inner_id,
                        "status": 424,
                        "headers": {"Content-Type": "application/json"},
                        "body": graph_error_body(
                            "FailedDependency",
                            f"The request depends on request(s) {', '.join(map(str, failed_dep))} that failed.",
                            request_id=str(uuid.uuid4()),
                            client_request_id=None,
                            now=ctx.now,
                        ),
                    }
                )
                statuses[inner_id.lower()] = status
                continue
            responses.append(self._batch_one(ctx, item, entry.seq))
            statuses[inner_id.lower()] = int(responses[-1]["status"])
        return GraphReply(200, {"responses": responses})

    def _validate_batch(self, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
            raise bad_request('Invalid batch payload format: expected {"requests": [...]}.')
        requests = body["requests"]
        if not requests:
            raise bad_request("Invalid batch payload format: 'requests' is empty.")
        if len(requests) > MAX_BATCH:
            raise bad_request(f"Number of batch requests exceeds the limit of {MAX_BATCH}.")
        seen: set[str] = set()
        for item in requests:
            if not isinstance(item, dict):
                raise bad_request("Invalid batch payload format: each request is an object.")
            for key in ("id", "method", "url"):
                if not item.get(key):
                    raise bad_request(f"Invalid batch payload format: a request is missing '{key}'.")
            inner_id = str(item["id"]).lower()
            if inner_id in seen:
                raise bad_request(f"Batch request ids must be unique; '{item['id']}' appears more than once.")
            seen.add(inner_id)
            if item.get("body") is not None:
                names = {str(k).lower() for k in (item.get("headers") or {})}
                if "content-type" not in names:
                    raise bad_request(
                        f"Content-Type header is required for request '{item['id']}' because it has a body."
                    )
            for dep in item.get("dependsOn") or []:
                if str(dep).lower() not in seen or str(dep).lower() == inner_id:
                    raise bad_request(
                        f"Request '{item['id']}' depends on '{dep}', which is not an earlier request in the batch."
                    )
        return [dict(item) for item in requests]

    def _batch_one(self, ctx: Ctx, item: dict[str, Any], parent_seq: int) -> dict[str, Any]:
        emu = self.emu
        inner_id = str(item["id"])
        method = str(item["method"]).upper()
        url = str(item["url"])
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
        path, _, query = url.partition("?")
        if not path.startswith("/"):
            path = "/" + path
        entry = emu.new_log_entry(
            method=method,
            path=f"/{ctx.req.version}{path}",
            version=ctx.req.version,
            query=query,
            tenant=ctx.tenant.id,
            app_id=ctx.app_id,
        )
        entry.batch_id = str(parent_seq)
        if method in _WRITE_METHODS:
            entry.body = item.get("body")
        reply: GraphReply
        if url.lower().startswith(("http://", "https://")) or path.lower().startswith(("/v1.0/", "/beta/")):
            reply = _error_reply(
                bad_request("Batch request URLs must be relative to the version, e.g. '/users'."),
                request_id=request_id,
                client_request_id=None,
                now=ctx.now,
            )
        else:
            fault = self._pick_faults(method, path, ctx.req.version, ctx.tenant.id, entry)
            if fault is not None:
                status = fault.status if fault.kind == "status" else 504
                reply = self._fault_reply(
                    FaultRule(
                        kind="status",
                        status=status,
                        nth=1,
                        retry_after=fault.retry_after if fault.kind == "status" else None,
                    ),
                    request_id,
                    None,
                    ctx.now,
                )
            else:
                params = dict(parse_qsl(query, keep_blank_values=True))
                inner = GraphRequest(
                    method,
                    ctx.req.version,
                    path,
                    params,
                    {**headers},
                    item.get("body"),
                    ctx.req.base_url,
                    batch_id=inner_id,
                )
                reply = self._call(
                    Ctx(emu, ctx.tenant, ctx.claims, ctx.roles, inner, ctx.now), request_id, None
                )
        entry.status = reply.status
        entry.duration_ms = (time.perf_counter() - started) * 1000
        out: dict[str, Any] = {"id": inner_id, "status": reply.status}
        out_headers: dict[str, str] = {"request-id": request_id, **reply.headers}
        if reply.body is not None:
            out_headers["Content-Type"] = JSON_CONTENT_TYPE
            out["body"] = reply.body
        elif reply.text is not None:
            out_headers["Content-Type"] = "text/plain"
            out["body"] = reply.text
        out["headers"] = out_headers
        return out

    # ------------------------------------------------------------------------------ control plane

    async def _control(
        self,
        scope: Scope,
        send: Send,
        method: str,
        segments: list[str],
        query: str,
        body: bytes,
        base_url: str,
    ) -> None:
        client = scope.get("client")
        if client and client[0] not in ("127.0.0.1", "::1", "testclient"):
            await self._send_json(send, 403, {"error": "the control plane answers loopback clients only"}, {})
            return
        try:
            data = json.loads(body) if body else {}
            params = dict(parse_qsl(query, keep_blank_values=True))
            status, out = self._control_call(method, [s for s in segments if s], data, params, base_url)
        except (ValueError, KeyError, TypeError) as exc:
            status, out = 400, {"error": str(exc)}
        except GraphFailure as failure:
            status, out = 400, {"error": failure.message}
        await self._send_json(send, status, out, {})

    def _control_call(
        self, method: str, segments: list[str], data: Any, params: dict[str, str], base_url: str
    ) -> tuple[int, Any]:
        emu = self.emu
        what = segments[0] if segments else ""
        if what == "" and method == "GET":
            return 200, {
                "base_url": base_url,
                "tenants": [
                    {
                        "id": t.id,
                        "displayName": t.display_name,
                        "domain": t.domain,
                        "scenario": t.scenario,
                        "era": t.era,
                        "premium": t.premium,
                        "p2": t.p2,
                        "knobs": t.knobs,
                    }
                    for t in emu.tenants.values()
                ],
                "knobs": {name: getattr(emu.knobs, name) for name in sorted(vars(emu.knobs))},
                "faults": [r.to_json() for r in emu.faults.rules],
            }
        if what == "requests":
            if method == "GET":
                return 200, {
                    "value": emu.requests(
                        tenant=params.get("tenant"),
                        method=params.get("method"),
                        path_contains=params.get("path"),
                    )
                }
            if method == "DELETE":
                emu.clear_requests()
                return 200, {"cleared": True}
        if what == "faults":
            if method == "POST":
                rule = emu.add_fault(**data)
                return 201, rule.to_json()
            if method == "GET":
                return 200, {"value": [r.to_json() for r in emu.faults.rules]}
            if method == "DELETE":
                emu.clear_faults()
                return 200, {"cleared": True}
        if what == "knobs" and method == "POST":
            values = dict(data)
            tenant = values.pop("tenant", None)
            emu.set_knobs(tenant, **values)
            return 200, {"ok": True}
        if what == "apps" and method == "POST":
            registered = emu.add_app(
                data.get("tenant"),
                roles=data.get("roles", []),
                client_id=data.get("client_id"),
                secret=data.get("secret"),
                certificate_pem=data.get("certificate_pem"),
                display_name=str(data.get("display_name", "test app")),
            )
            return 201, {"client_id": registered.client_id, "roles": sorted(registered.roles)}
        if what == "premium" and method == "POST":
            p2 = data.get("p2")
            emu.set_premium(bool(data["premium"]), data.get("tenant"), p2=None if p2 is None else bool(p2))
            return 200, {"ok": True}
        if what == "security-defaults" and method == "POST":
            emu.set_security_defaults(bool(data["isEnabled"]), data.get("tenant"))
            return 200, {"ok": True}
        if what == "traffic" and method == "POST":
            rows = emu.generate_traffic(
                data.get("tenant"),
                users=data.get("users"),
                clients=data.get("clients"),
                legacy_imap=bool(data.get("legacyImap", True)),
            )
            return 201, {"generated": len(rows), "value": rows}
        if what == "conditional-access" and method == "GET":
            return 200, {"value": emu.stored_ca_policies(params.get("tenant"))}
        if what == "edit" and method == "POST":
            tenant = data.get("tenant")
            if "conditionalAccessPolicy" in data:
                emu.apply_edit(data, tenant)
            elif "policy" in data:
                emu.edit_policy(data["policy"], tenant)
            else:
                emu.edit_configuration(
                    str(data["configuration"]), data.get("body", {}), tenant, force=bool(data.get("force"))
                )
            return 200, {"ok": True}
        if what == "reset" and method == "POST":
            emu.reset()
            return 200, {"ok": True}
        if what == "token" and method == "POST":
            token = emu.issue_token(
                data.get("tenant"), data.get("roles"), lifetime_s=int(data.get("lifetime_s", 3599))
            )
            return 200, {"access_token": token, "token_type": "Bearer"}
        if what == "policy" and method == "GET":
            from mfaguard.emulator.graph_policy import render_policy

            state = emu.stored_policy(params.get("tenant"))
            return 200, render_policy(state, base=base_url, version="beta", strict_v1=False)
        return 404, {"error": f"no control endpoint {method} /_emulator/{'/'.join(segments)}"}


class _Invalid:
    pass


_INVALID: Any = _Invalid()
