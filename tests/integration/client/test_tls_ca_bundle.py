"""TLS to central with a private CA: trusted through ca_bundle, refused without it."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend_client import errors
from backend_client.http import CentralHTTP, ClientSettings


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca_and_server_cert(tmp: Path) -> tuple[Path, Path, Path]:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Lobby test CA")).issuer_name(_name("Lobby test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("central.test")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_pem, cert_pem, key_pem = tmp / "ca.pem", tmp / "cert.pem", tmp / "key.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return ca_pem, cert_pem, key_pem


class Hello(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    ca_pem, cert_pem, key_pem = make_ca_and_server_cert(tmp_path)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    srv.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_pem, key_pem)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"https://127.0.0.1:{srv.server_address[1]}", ca_pem
    srv.shutdown()
    srv.server_close()


def test_private_ca_in_ca_bundle_is_trusted(tls_server: tuple[str, Path]) -> None:
    url, ca_pem = tls_server
    client = CentralHTTP(ClientSettings(base_url=url, ca_bundle=str(ca_pem), retries=0), token="t")
    assert client.request("GET", "/x") == {"ok": True}


def test_without_the_ca_the_server_is_refused(tls_server: tuple[str, Path]) -> None:
    url, _ = tls_server
    client = CentralHTTP(ClientSettings(base_url=url, retries=0), token="t")
    with pytest.raises(errors.CentralTLSError, match="TLS"):
        client.request("GET", "/x")


def test_another_ca_is_refused(tls_server: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = tls_server
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other_ca, _, _ = make_ca_and_server_cert(other_dir)
    client = CentralHTTP(ClientSettings(base_url=url, ca_bundle=str(other_ca), retries=1,
                                        backoff_s=0.01), token="t")
    with pytest.raises(errors.CentralTLSError):
        client.request("GET", "/x")
