"""E-mail notifier: SMTP with STARTTLS (or implicit TLS), password from an environment variable."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage

from mfaguard.notify.base import SendResult, TargetFilter, env_value, redactor_for
from mfaguard.notify.config import EmailTarget, target_label
from mfaguard.notify.message import Notification


class EmailNotifier:
    def __init__(self, config: EmailTarget, env: Mapping[str, str]) -> None:
        self.config = config
        self.target = target_label(config)
        self.password = env_value(env, config.password_env)
        self._filter = TargetFilter(
            events=tuple(e.value for e in config.events), min_severity=config.min_severity
        )
        self._redactor = redactor_for(self.password)

    def accepts(self, note: Notification) -> bool:
        return self._filter.accepts(note)

    def message(self, note: Notification) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = f"[{note.severity.upper()}] {note.title}"
        msg["From"] = self.config.sender
        msg["To"] = ", ".join(self.config.to)
        msg["X-Mfaguard-Dedupe-Key"] = note.dedupe_key
        lines = [note.text, "", f"Tenant: {note.tenant}", f"Severity: {note.severity}"]
        lines += [f"{k}: {v}" for k, v in note.facts]
        if note.link:
            lines += ["", f"Details: {note.link}"]
        lines += ["", "-- ", "mfaguard (sent once per event; see the history store for all of them)"]
        msg.set_content("\n".join(lines))
        return msg

    async def send(self, note: Notification) -> SendResult:
        if self.config.password_env and self.password is None:
            return SendResult(
                ok=False,
                error=f"environment variable {self.config.password_env} is not set (the SMTP password)",
            )
        # smtplib blocks; a thread keeps the event loop (and the fleet run) moving.
        return await asyncio.to_thread(self._send_sync, self.message(note))

    def _send_sync(self, msg: EmailMessage) -> SendResult:
        cfg = self.config
        context = ssl.create_default_context(cafile=str(cfg.ca_file) if cfg.ca_file else None)
        try:
            smtp: smtplib.SMTP
            if cfg.security == "tls":
                smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            with smtp:
                smtp.ehlo()
                if cfg.security == "starttls":
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if cfg.username:
                    smtp.login(cfg.username, self.password or "")
                smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            return SendResult(ok=False, error=f"SMTP login as {cfg.username} refused ({exc.smtp_code})")
        except smtplib.SMTPNotSupportedError:
            return SendResult(
                ok=False, error=f"{cfg.host} does not offer STARTTLS; use security: tls or another server"
            )
        except smtplib.SMTPResponseException as exc:
            # 4xx is temporary by definition (greylisting, rate limits); 5xx will not get better.
            return SendResult(
                ok=False,
                retryable=400 <= exc.smtp_code < 500,
                error=self._error(f"SMTP {exc.smtp_code}", exc),
            )
        except smtplib.SMTPRecipientsRefused as exc:
            return SendResult(ok=False, error=f"recipients refused: {', '.join(exc.recipients)}")
        except ssl.SSLError as exc:
            return SendResult(ok=False, error=f"TLS with {cfg.host}:{cfg.port} failed: {exc.reason or exc}")
        except (OSError, smtplib.SMTPException) as exc:
            return SendResult(
                ok=False, retryable=True, error=self._error(f"cannot reach {cfg.host}:{cfg.port}", exc)
            )
        return SendResult(ok=True)

    def _error(self, what: str, exc: BaseException) -> str:
        detail = str(getattr(exc, "smtp_error", b"") or exc)
        if detail.startswith("b'") or detail.startswith('b"'):
            detail = detail[2:-1]
        return self._redactor.text(f"{what}: {type(exc).__name__}: {detail}"[:300])
