"""The TLS layer of central's checks against a real TLS listener on loopback, with a
certificate made here: trusted through [central] ca_bundle it passes; a CA the kiosk does
not trust fails the TLS layer with the verification error and stops there."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend_client.token_store import TokenStore
from kiosk.app.diagnostics.central_checks import central_checks
from kiosk.sync.client import CentralConfig


def _self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A TLS listener that completes handshakes and answers nothing else."""
    cert, key = _self_signed(tmp_path, "central")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(2)
                    tls.recv(1024)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield srv.getsockname()[1], cert
    stop.set()
    thread.join(2)
    srv.close()


def _codes(central: CentralConfig) -> dict[str, tuple[str, str]]:
    return {c.id: (c.status.value, c.code) for c in central_checks(central)}


def test_trusted_certificate_passes_tls(tmp_path: Path, tls_server: tuple[int, Path]) -> None:
    port, cert = tls_server
    TokenStore(tmp_path).save("t")
    got = _codes(CentralConfig(tmp_path, f"https://localhost:{port}", ca_bundle=str(cert)))
    assert got["central.tls"] == ("pass", "central.tls_ok")
    # the listener is no central: the next layer is the one that fails
    assert got["central.auth"] == ("fail", "central.error")


def test_untrusted_certificate_fails_tls_and_stops(tmp_path: Path,
                                                   tls_server: tuple[int, Path]) -> None:
    port, _ = tls_server
    other, _ = _self_signed(tmp_path, "someone-else")
    TokenStore(tmp_path).save("t")
    checks = central_checks(CentralConfig(tmp_path, f"https://localhost:{port}",
                                          ca_bundle=str(other)))
    tls = {c.id: c for c in checks}["central.tls"]
    assert (tls.status.value, tls.code) == ("fail", "central.tls_failed")
    assert "certificate" in tls.summary
    assert [c.id for c in checks][-1] == "central.tls"
