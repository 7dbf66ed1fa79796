"""The fleet step of ``mfaguard demo``: three tenants, two runs, drift noticed and put right."""

from __future__ import annotations

from mfaguard.demo.context import DemoContext, DemoStep

LOCATION = "displayLocationInformationRequiredState"


def fleet_step(ctx: DemoContext) -> None:
    """Audit a small fleet twice; between the runs someone switches location off in one tenant."""
    from mfaguard.fleet.model import FleetTenant, Mode
    from mfaguard.fleet.render import summary_table
    from mfaguard.fleet.runner import FleetRunner, run_fleet
    from mfaguard.fleet.steps import STEPS
    from mfaguard.graph.auth import CredentialKind, CredentialOptions
    from mfaguard.graph.connect import GraphConnection
    from mfaguard.store import open_store

    emu = ctx.emulator.emulator
    env = ctx.env
    extra = {"fabrikam": emu.add_tenant("compliant"), "tailspin": emu.add_tenant("legacy-2022")}
    ids = {"contoso": str(ctx.expected_tenant), **{name: t.id for name, t in extra.items()}}
    modes = {"contoso": Mode.REPORT, "fabrikam": Mode.REMEDIATE, "tailspin": Mode.ALERT}
    tenants = []
    for name, tid in ids.items():
        credential = CredentialOptions(
            kind=CredentialKind.CLIENT_SECRET,
            tenant_id=tid,
            client_id=env["AZURE_CLIENT_ID"],
            authority_host=env["MFAGUARD_AUTHORITY_HOST"],
            ca_bundle=env.get("MFAGUARD_CA_BUNDLE"),
        )
        connection = GraphConnection.create(credential, graph_endpoint=env["MFAGUARD_GRAPH_ENDPOINT"])
        tenants.append(FleetTenant(name=name, tenant_id=tid, connection=connection, mode=modes[name]))
    with open_store(f"sqlite:///{ctx.workdir / 'history.db'}") as store:
        runner = FleetRunner(tenants, steps=STEPS, store=store, env=env, concurrency=8)
        first = run_fleet(runner)
        summary_table(ctx.console, first)
        ctx.say(
            "Every run, snapshot and finding is now in the history store (SQLite here; PostgreSQL by URL). "
            "Next, someone switches off 'show location' in fabrikam's Authenticator settings, and the "
            "fleet runs again."
        )
        config = emu.stored_configuration("MicrosoftAuthenticator", ids["fabrikam"])
        feature = {**config["featureSettings"][LOCATION], "state": "disabled"}
        emu.edit_configuration(
            "MicrosoftAuthenticator", {"featureSettings": {LOCATION: feature}}, ids["fabrikam"]
        )
        second = run_fleet(runner)
        summary_table(ctx.console, second)
        fabrikam = next(t for t in second.tenants if t.tenant.name == "fabrikam")
        changes = "; ".join(f"{c.control_id} {c.field}: {c.before} → {c.after}" for c in fabrikam.drift)
        fixed = fabrikam.remediation or {}
        ctx.say(
            f"Drift found in fabrikam: {changes or 'none'}. It is in remediate mode, so the baseline was "
            f"applied through the safe-change path: {fixed.get('result', 'not run')}"
            + (", verified by a fresh audit." if fixed.get("verified") else ".")
            + " In alert mode the drift is only notified (once), in report mode only recorded."
        )


FLEET = DemoStep(
    "fleet",
    "Watch a fleet for drift",
    "`mfaguard fleet audit --config mfaguard.yaml` audits many tenants at once (each with its own "
    "credential), stores every run, and compares it with the previous one: a control whose status or "
    "value changed is drift. Per tenant, mode report records it, alert notifies it once, remediate "
    "puts it right through the safe-change path. `mfaguard watch` does this on a schedule.",
    fleet_step,
)
