"""The `central` command line: serve, users add/passwd/pin/list/disable/enable/remove, kiosks
add/reenroll/revoke/list, members import, visits list / approve / deny, invitations add, hosts
import, keys rotate, purge, --version.

Every command takes --database-url (else $CENTRAL_DATABASE_URL, else SQLite in the data
directory), --data-dir (else $CENTRAL_DATA_DIR, else /var/lib/lobby-central) and --keys-dir
(else $CENTRAL_KEYS_DIR, else beside the data directory: /var/lib/lobby-central-keys).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from datetime import datetime, timedelta
from pathlib import Path

from . import __version__, roles
from .schemas import ROW_ID_MAX
from .settings import DEFAULT_HOST, DEFAULT_PORT, SettingsError, resolve


def _row_id(text: str) -> int:
    """A database row id as the console's routes take it: 1 .. 2,000,000,000 (INTEGER on every
    database we run on), so a typo never reaches the database as an overflow."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= ROW_ID_MAX:
        raise argparse.ArgumentTypeError(f"{value} is not a visit id (1 to {ROW_ID_MAX:,})")
    return value


def _common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument(
        "--database-url",
        metavar="URL",
        help="sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB "
        "(default: $CENTRAL_DATABASE_URL, else central.db in the data directory)",
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        help="the default database (default: $CENTRAL_DATA_DIR, else /var/lib/lobby-central)",
    )
    p.add_argument(
        "--keys-dir",
        metavar="DIR",
        help="data.key and id-hash.key, kept apart from the data (default: $CENTRAL_KEYS_DIR, "
        "else DATA_DIR-keys beside the data directory)",
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="central", description="Central service for lobby kiosks.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = _common(sub.add_parser("serve", help="run the API and console"))
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any)"
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])

    users = sub.add_parser("users", help="console users").add_subparsers(dest="action", required=True)
    uadd = _common(users.add_parser("add", help="add a user; the password is read from stdin"))
    uadd.add_argument("name", metavar="NAME")
    uadd.add_argument("--role", required=True, choices=roles.ROLES)
    upw = _common(users.add_parser("passwd", help="set a user's password (read from stdin)"))
    upw.add_argument("name", metavar="NAME")
    upin = _common(users.add_parser(
        "pin", help="set a user's kiosk PIN, 4-8 digits (read from stdin): a receptionist's approves "
        "visitors, a technician's opens technician mode, an admin's does both"))
    upin.add_argument("name", metavar="NAME")
    _common(users.add_parser("list", help="console users, their role, state and whether they have a PIN"))
    for action, text in (
        ("disable", "stop a user logging in; ends their sessions; their kiosk PIN stops working"),
        ("enable", "let a disabled user log in again"),
        ("remove", "delete a user for good (disable keeps their name on what they decided)"),
    ):
        _common(users.add_parser(action, help=text)).add_argument("name", metavar="NAME")

    ks = sub.add_parser("kiosks", help="kiosks").add_subparsers(dest="action", required=True)
    kadd = _common(ks.add_parser("add", help="add a kiosk; prints its one-time enrollment code"))
    kadd.add_argument("name", metavar="NAME")
    kre = _common(ks.add_parser("reenroll", help="new enrollment code for a kiosk (old token stops)"))
    kre.add_argument("name", metavar="NAME")
    krev = _common(ks.add_parser("revoke", help="revoke a kiosk's token"))
    krev.add_argument("name", metavar="NAME")
    _common(ks.add_parser("list", help="kiosks and their last heartbeat"))

    ms = sub.add_parser("members", help="members").add_subparsers(dest="action", required=True)
    mimp = _common(ms.add_parser("import", help="import members from a CSV file"))
    mimp.add_argument("file", metavar="FILE.csv")
    mimp.add_argument("--replace", action="store_true", help="delete members absent from the file")

    vs = sub.add_parser("visits", help="visitor registrations").add_subparsers(dest="action", required=True)
    vlist = _common(vs.add_parser("list", help="visits, newest first (the console's visit log)"))
    vlist.add_argument("--status", metavar="S", help="only visits in this state (pending, approved, ...)")
    vlist.add_argument("--limit", type=int, default=100, metavar="N", help="at most N visits (default 100)")
    vlist.add_argument("--json", action="store_true", help="a JSON list instead of tab-separated lines")
    vapp = _common(vs.add_parser("approve", help="approve a pending visit (as the console does)"))
    vapp.add_argument("id", type=_row_id, metavar="ID")
    vden = _common(vs.add_parser("deny", help="deny a pending visit with a reason"))
    vden.add_argument("id", type=_row_id, metavar="ID")
    vden.add_argument("--reason", required=True, metavar="TEXT", help="shown to the visitor at the kiosk")

    inv = sub.add_parser("invitations", help="invitations").add_subparsers(dest="action", required=True)
    iadd = _common(inv.add_parser("add", help="invite a visitor; prints the invitation QR text last"))
    iadd.add_argument("--name", required=True, metavar="N", help="the visitor's name")
    iadd.add_argument("--host", required=True, metavar="H", help="whom they visit (unit or company)")
    iadd.add_argument("--valid-from", metavar="ISO", help="start (default now; no zone = local time)")
    iadd.add_argument("--valid-until", metavar="ISO", help="end (default 24 hours after the start)")
    iadd.add_argument("--entries", type=int, default=1, metavar="N", help="entries allowed (default 1)")

    hs = sub.add_parser("hosts", help="the host directory").add_subparsers(dest="action", required=True)
    himp = _common(hs.add_parser("import", help="add or update hosts from a CSV file (kind,label,detail)"))
    himp.add_argument("file", metavar="FILE.csv")

    keys = sub.add_parser("keys", help="pass-signing keys").add_subparsers(dest="action", required=True)
    _common(keys.add_parser("rotate", help="start signing with a fresh key (old passes stay valid)"))

    _common(sub.add_parser("purge", help="run the retention job now"))
    return p


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        pw = getpass.getpass(prompt)
        if getpass.getpass("again: ") != pw:
            raise ValueError("the passwords differ")
        return pw
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


# What `visits list` shows of a visit: no ID number (not even masked) and no mobile number.
VISIT_FIELDS = (
    "id", "created_at", "kiosk", "status", "party_size", "host", "name", "purpose", "blocklisted",
    "decided_at", "decided_by", "deny_reason", "checked_in_at", "checked_out_at", "purged",
)  # fmt: skip


def _list_visits(central: object, status: str | None, limit: int, as_json: bool) -> None:
    import json

    from .services import visits

    if status is not None and status not in visits.STATUSES:
        raise ValueError(f"--status must be one of {', '.join(visits.STATUSES)}")
    if not 1 <= limit <= visits.MAX_LIMIT:
        raise ValueError(f"--limit must be 1 to {visits.MAX_LIMIT}")
    rows, total = visits.visit_log(central, visits.VisitFilter(status=status), limit=limit)  # type: ignore[arg-type]
    shown = [{f: getattr(r, f) for f in VISIT_FIELDS} for r in rows]
    if as_json:
        print(json.dumps(shown, ensure_ascii=False, default=lambda v: v.isoformat(), indent=1))
    else:
        for v in shown:
            print("\t".join(
                "" if v[f] is None else v[f].isoformat(timespec="seconds") if hasattr(v[f], "isoformat")
                else str(v[f])
                for f in ("id", "created_at", "kiosk", "status", "party_size", "host", "name")
            ))  # fmt: skip
    if total > len(rows):
        print(f"the newest {len(rows)} of {total} visits shown; see --limit", file=sys.stderr)


def _when(value: str | None, option: str, default: datetime) -> datetime:
    """An ISO date-time from the command line; without a zone it is the property's local time,
    as in the console's forms."""
    if value is None:
        return default
    from .console.render import console_zone

    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{option}: not an ISO date and time (e.g. 2026-05-15T09:30)") from None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=console_zone())


def _decide(central: object, args: argparse.Namespace) -> int:
    """`visits approve` / `visits deny`: the console's service calls; a visit that is gone,
    decided or expired is exit 1 with the reason."""
    from .errors import Conflict, NotFound
    from .services import visits

    try:
        if args.action == "approve":
            view = visits.approve_visit(central, args.id, None)  # type: ignore[arg-type]
            assert view.pass_ is not None
            until = view.pass_.valid_until.astimezone().isoformat(timespec="minutes")
            print(f"visit {view.visit_id} approved; pass {view.pass_.pass_id} valid until {until}")
        else:
            view = visits.deny_visit(central, args.id, None, args.reason)  # type: ignore[arg-type]
            print(f"visit {view.visit_id} denied")
    except (NotFound, Conflict) as exc:
        print(f"central: visit {args.id}: {exc}", file=sys.stderr)
        return 1
    return 0


def _invite(central: object, args: argparse.Namespace) -> int:
    from .services import invitations

    start = _when(args.valid_from, "--valid-from", datetime.now().astimezone())
    end = _when(args.valid_until, "--valid-until", start + timedelta(hours=24))
    inv = invitations.create(central, None, args.name, args.host, start, end, args.entries)  # type: ignore[arg-type]
    entries = "1 entry" if inv.entries_allowed == 1 else f"{inv.entries_allowed} entries"
    print(
        f"invitation {inv.id} for {inv.host}, {entries}, "
        f"{inv.valid_from.astimezone().isoformat(timespec='minutes')} to "
        f"{inv.valid_until.astimezone().isoformat(timespec='minutes')}; its QR text:"
    )
    print(inv.qr_text)  # alone on the last line, for a script to pick up
    return 0


def _kiosk_id(central: object, name: str) -> int:
    from .services import kiosks

    for k in kiosks.list_kiosks(central):  # type: ignore[arg-type]
        if k.name == name:
            return k.id
    raise ValueError(f"no kiosk named {name!r}")


# The commands that may start a new database: setting up (serve, the first user) and adding
# data. Every other one reads or changes what must exist already, so on a data directory or
# database that does not exist (a typo) it stops with exit 2 instead of creating an empty one.
CREATES = frozenset({
    ("serve", None), ("users", "add"), ("kiosks", "add"), ("members", "import"),
    ("hosts", "import"), ("invitations", "add"),
})  # fmt: skip


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .context import Central
    from .db import shown_url, sqlite_path

    settings = resolve(args.database_url, args.data_dir, args.keys_dir)
    # Before opening: opening may warn (keys still inside the data directory).
    level = args.log_level.upper() if args.command == "serve" else "WARNING"
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration narration on every start
    creates = (args.command, getattr(args, "action", None)) in CREATES
    central = Central.open(settings, create=creates)
    if central.created:
        path = sqlite_path(settings.database_url)
        where = f"at {path}" if path is not None else f"in {shown_url(settings.database_url)}"
        print(f"central: created a new database {where}", file=sys.stderr)
    return central


def _users(central: object, args: argparse.Namespace) -> int:
    from . import web_auth
    from .services import users

    if args.action == "pin":
        users.set_pin(central, args.name, _read_password(f"kiosk PIN for {args.name}: "))  # type: ignore[arg-type]
        print(f"kiosk PIN of {args.name} set; kiosks use it after their next sync")
    elif args.action == "list":
        for u in users.listing(central):  # type: ignore[arg-type]
            state = "disabled" if u.disabled else "enabled"
            pin = "pin" if u.pin_hash else "no-pin"
            print(f"{u.username}\t{u.role}\t{state}\t{pin}\t{u.created_at.isoformat(timespec='seconds')}")
    elif args.action == "disable":
        done = users.disable(central, args.name)  # type: ignore[arg-type]
        print(f"user {args.name} disabled; their sessions were ended and kiosks drop their PIN at "
              "their next sync" if done else f"user {args.name} was disabled already")
    elif args.action == "enable":
        done = users.enable(central, args.name)  # type: ignore[arg-type]
        print(f"user {args.name} enabled" if done else f"user {args.name} was enabled already")
    elif args.action == "remove":
        users.remove(central, args.name)  # type: ignore[arg-type]
        print(f"user {args.name} removed")
    else:
        password = _read_password(f"password for {args.name}: ")
        if args.action == "add":
            web_auth.add_user(central, args.name, password, args.role)  # type: ignore[arg-type]
            print(f"user {args.name} added with role {args.role}")
        else:
            web_auth.set_password(central, args.name, password)  # type: ignore[arg-type]
            print(f"password of {args.name} changed; their sessions were ended")
    return 0


def _run(args: argparse.Namespace) -> int:
    central = _open(args)
    try:
        if args.command == "serve":
            from .server import make_server

            server = make_server(central, args.host, args.port, log_level=args.log_level)
            server.run()
            return 0
        if args.command == "users":
            return _users(central, args)
        if args.command == "kiosks":
            from .services import kiosks

            if args.action == "add":
                _, code = kiosks.create_kiosk(central, args.name)
                print(f"kiosk {args.name} added; enroll it within 7 days with: kiosk enroll URL CODE")
                print(code)
            elif args.action == "reenroll":
                code = kiosks.reissue_code(central, _kiosk_id(central, args.name))
                print(f"new enrollment code for {args.name} (its old token no longer works):")
                print(code)
            elif args.action == "revoke":
                kiosks.revoke_kiosk(central, _kiosk_id(central, args.name))
                print(f"kiosk {args.name} revoked")
            else:
                listed = kiosks.list_kiosks(central)
                if not listed:
                    print("no kiosks yet; add one with: central kiosks add NAME", file=sys.stderr)
                for k in listed:
                    seen = (
                        k.last_heartbeat_at.isoformat(timespec="seconds") if k.last_heartbeat_at else "never"
                    )
                    state = "revoked" if k.revoked else ("late" if k.late else "ok")
                    print(f"{k.id}\t{k.name}\t{state}\t{seen}\toutbox={k.outbox_depth}")
            return 0
        if args.command == "members":
            from .services import members

            data = Path(args.file).read_bytes()
            result = members.import_csv(central, data, replace=args.replace)
            for err in result.errors:
                print(err, file=sys.stderr)
            print(
                f"{result.created} added, {result.updated} updated, {result.unchanged} unchanged, "
                f"{result.deleted} deleted, {len(result.errors)} rows refused"
            )
            return 1 if result.errors else 0
        if args.command == "visits":
            if args.action in ("approve", "deny"):
                return _decide(central, args)
            _list_visits(central, args.status, args.limit, args.json)
            return 0
        if args.command == "invitations":
            return _invite(central, args)
        if args.command == "hosts":
            from .services import hosts

            hres = hosts.import_csv(central, Path(args.file).read_bytes())
            for err in hres.errors:
                print(err, file=sys.stderr)
            print(
                f"{hres.added} added, {hres.updated} updated, {hres.unchanged} unchanged, "
                f"{len(hres.errors)} rows refused"
            )
            return 1 if hres.errors else 0
        if args.command == "keys":
            from .services import keys

            print(f"now signing with key {keys.rotate(central)}")
            return 0
        if args.command == "purge":
            from .services import retention

            print(retention.run_all(central))
            return 0
        raise AssertionError(args.command)
    finally:
        central.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .db import DatabaseError
    from .errors import ServiceError
    from .secrets_store import SecretsError

    try:
        return _run(args)
    except (SettingsError, SecretsError, ServiceError, DatabaseError, ValueError) as exc:
        print(f"central: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"central: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
