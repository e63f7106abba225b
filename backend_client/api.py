"""One method per central endpoint the kiosk uses, returning checked wire objects (see wire.py).

Everything below here speaks HTTP; everything above speaks these methods and our own errors.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from . import errors, wire
from .http import CentralHTTP, ClientSettings

API = "/api/v1"
LONG_POLL_MAX_S = 30.0
# The server answers a long-poll after `wait` seconds; give it this much more to say so.
LONG_POLL_MARGIN_S = 10.0


class CentralAPI:
    def __init__(self, settings: ClientSettings, token: str | None = None) -> None:
        self.http = CentralHTTP(settings, token)

    @property
    def clock_skew_s(self) -> float | None:
        return self.http.clock_skew_s

    def close(self) -> None:
        self.http.close()

    # -- enrollment ------------------------------------------------------------------------
    def enroll(self, code: str, kiosk_version: str | None = None,
               public_key: bytes | None = None) -> wire.Enrolled:
        """Trade a one-time code for a token; a wrong, used or expired code is EnrollmentRefused.

        `public_key` (raw Ed25519) registers the kiosk's own pass-signing key with it; its key
        id being taken is KeyIdTaken (the code stays good: draw another key and enroll again).
        """
        body: dict[str, Any] = {"code": code}
        if kiosk_version:
            body["kiosk_version"] = kiosk_version
        if public_key is not None:
            body["public_key"] = base64.b64encode(public_key).decode("ascii")
        try:
            data = self.http.post_once(f"{API}/enroll", body)
        except errors.CentralRejected as exc:
            if exc.status == 409:
                raise errors.KeyIdTaken(str(exc), 409) from None
            if exc.status == 422:
                raise errors.EnrollmentRefused(
                    "central refused the enrollment code as malformed (check for typos)") from None
            raise
        except errors.NotAuthorised:
            raise errors.EnrollmentRefused(
                "central refused the enrollment code: it is wrong, was used already, or expired "
                "(ask for a new one: `central kiosks add NAME`)") from None
        return wire.parse(wire.Enrolled, data, "enroll")

    # -- members ---------------------------------------------------------------------------
    def members_page(self, after: int, limit: int) -> wire.MembersPage:
        data = self.http.request("GET", f"{API}/members", params={"after": after, "limit": limit})
        return wire.parse(wire.MembersPage, data, "members")

    # -- events ----------------------------------------------------------------------------
    def post_events(self, events: Sequence[dict[str, Any]]) -> wire.EventResult:
        data = self.http.request("POST", f"{API}/events", json_body={"events": list(events)})
        result = wire.parse(wire.EventResult, data, "events")
        if result.accepted + result.duplicates != len(events):
            # Central counts every event once; another total means it did not store what we sent.
            raise errors.CentralProtocolError(
                f"central acknowledged {result.accepted}+{result.duplicates} of {len(events)} events")
        return result

    # -- visits ----------------------------------------------------------------------------
    def create_visit(self, request: dict[str, Any]) -> wire.Visit:
        data = self.http.request("POST", f"{API}/visits", json_body=request)
        return wire.parse(wire.Visit, data, "visit")

    def kiosk_approval(self, visit_id: int, approval: dict[str, Any]) -> wire.Visit:
        """Tell central this kiosk approved a visit it has with a receptionist's PIN."""
        data = self.http.request("POST", f"{API}/visits/{int(visit_id)}/kiosk-approval",
                                 json_body=approval)
        return wire.parse(wire.Visit, data, "visit")

    def invitation(self, qr_text: str) -> wire.Invitation:
        """Look an invitation up by its scanned QR text (central never takes a bare number)."""
        data = self.http.request("POST", f"{API}/invitations/lookup", json_body={"qr": qr_text})
        return wire.parse(wire.Invitation, data, "invitation")

    def visit(self, visit_id: int) -> wire.Visit:
        return wire.parse(wire.Visit, self.http.request("GET", f"{API}/visits/{int(visit_id)}"), "visit")

    def updates(self, after: int, wait_s: float = 0.0) -> wire.UpdatesPage:
        wait_s = max(0.0, min(wait_s, LONG_POLL_MAX_S))
        data = self.http.request("GET", f"{API}/updates", params={"after": after, "wait": wait_s},
                                 read_timeout_s=wait_s + LONG_POLL_MARGIN_S)
        return wire.parse(wire.UpdatesPage, data, "updates")

    # -- visitor desk: host directory and blocklist -----------------------------------------
    def hosts(self) -> wire.Hosts:
        return wire.parse(wire.Hosts, self.http.request("GET", f"{API}/hosts"), "hosts")

    def blocklist(self) -> wire.Blocklist:
        return wire.parse(wire.Blocklist, self.http.request("GET", f"{API}/blocklist"), "blocklist")

    # -- help button -------------------------------------------------------------------------
    def call_help(self) -> wire.HelpCallAck:
        """A visitor at this kiosk asks for help; central shows it on the console. Safe to
        retry: presses within a minute are one call."""
        data = self.http.request("POST", f"{API}/help-calls")
        return wire.parse(wire.HelpCallAck, data, "help-calls")

    # -- keys, revocations, heartbeat ------------------------------------------------------
    def keys(self) -> wire.Keys:
        return wire.parse(wire.Keys, self.http.request("GET", f"{API}/keys"), "keys")

    def pins(self) -> wire.Pins:
        return wire.parse(wire.Pins, self.http.request("GET", f"{API}/pins"), "pins")

    def register_kiosk_key(self, public_key: bytes) -> wire.KioskKeyAck:
        """Register this kiosk's own pass-signing key; KeyIdTaken: draw another and try again."""
        body = {"public_key": base64.b64encode(public_key).decode("ascii")}
        try:
            data = self.http.request("POST", f"{API}/kiosk-key", json_body=body)
        except errors.CentralRejected as exc:
            if exc.status == 409:
                raise errors.KeyIdTaken(str(exc), 409) from None
            raise
        return wire.parse(wire.KioskKeyAck, data, "kiosk-key")

    def revocations(self) -> wire.Revocations:
        return wire.parse(wire.Revocations, self.http.request("GET", f"{API}/revocations"),
                          "revocations")

    def put_local_members(self, members: Sequence[dict[str, Any]]) -> wire.LocalMembersAck:
        """The members this kiosk imported for itself (masked), replacing what central had."""
        data = self.http.request("PUT", f"{API}/local-members", json_body={"members": list(members)})
        return wire.parse(wire.LocalMembersAck, data, "local-members")

    def heartbeat(self, *, versions: dict[str, str], devices: list[dict[str, str]],
                  outbox_depth: int, uptime_s: int | None = None,
                  disk_free_mb: int | None = None,
                  diag: dict[str, Any] | None = None) -> wire.HeartbeatAck:
        """`diag`: a lobby_core.diagnostics Report's JSON (a central before diagnostics refuses
        the key with 422; the caller then sends without it)."""
        body: dict[str, Any] = {
            "sent_at": datetime.now(UTC).isoformat(),
            "versions": versions,
            "devices": devices,
            "outbox_depth": min(max(0, outbox_depth), 2_000_000_000),
        }
        if uptime_s is not None:
            body["uptime_s"] = min(max(0, uptime_s), 2_000_000_000)
        if disk_free_mb is not None:
            body["disk_free_mb"] = min(max(0, disk_free_mb), 2_000_000_000)
        if diag is not None:
            body["diag"] = diag
        data = self.http.request("POST", f"{API}/heartbeat", json_body=body)
        return wire.parse(wire.HeartbeatAck, data, "heartbeat")

    # -- remote requests from the console (an "action" update) -----------------------------
    def action_result(self, action_id: int, ok: bool, detail: str) -> None:
        """How a request went; a repeat of the same answer is accepted (a retried POST)."""
        self.http.request("POST", f"{API}/actions/{int(action_id)}/result",
                          json_body={"ok": ok, "detail": detail[:300]})

    def upload_bundle(self, action_id: int, data: bytes) -> None:
        """The tar.gz a "bundle" request asked for; it answers the request. A 409 means
        central has it already (our first upload's answer was lost): that is success."""
        try:
            self.http.request("PUT", f"{API}/actions/{int(action_id)}/bundle", raw_body=data,
                              content_type="application/octet-stream")
        except errors.CentralRejected as exc:
            if exc.status != 409:
                raise
