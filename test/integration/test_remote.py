"""Remote access to the real daemon: TLS on a TCP port, a real user
created for the test and checked through the system's own PAM stack,
Remote Enable, certificate verification, the plain loopback listener."""
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess

import pytest

import cbor_min
from test_daemon import OWMI, OWMID, Daemon, goodbye_then_eof, read_frame

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("useradd"),
                                reason="creates a user")

USER = "owmitest"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def account():
    """A real local user with a password, gone afterwards."""
    password = "pw-" + secrets.token_hex(8)
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", USER], check=True)
    subprocess.run(["chpasswd"], input=f"{USER}:{password}\n", text=True, check=True)
    yield password
    subprocess.run(["userdel", USER], check=False)


class Remote(Daemon):
    def __init__(self, tmp, *extra, config=""):
        import pathlib
        import tempfile
        certs = pathlib.Path(tempfile.mkdtemp(prefix="owmid-certs-"))
        subprocess.run([str(OWMID), "--make-certificate", str(certs)], check=True,
                       capture_output=True)
        self.ca = certs / "owmid.crt"
        self.port = free_port()
        conf = tmp / "owmid.conf"
        conf.write_text(f"tls_certificate = {certs}/owmid.crt\ntls_key = {certs}/owmid.key\n"
                        + config)
        super().__init__(tmp, "--config", str(conf), "--listen", f"127.0.0.1:{self.port}", *extra)

    def remote(self, password, *args, user=USER, ca=True, check=True):
        env = dict(self.env, OWMI_PASSWORD=password)
        cmd = [str(OWMI), "--host", f"127.0.0.1:{self.port}", "--user", user]
        if ca:
            cmd += ["--ca", str(self.ca)]
        proc = subprocess.run(cmd + list(args), capture_output=True, text=True, env=env,
                              timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError(f"{args} failed:\n{proc.stdout}{proc.stderr}")
        return proc


@pytest.fixture
def remote(tmp_path, account):
    d = Remote(tmp_path)
    yield d
    assert d.stop() == 0, d.log.read_text()


def test_login_needs_remote_enable(remote, account):
    out = remote.remote(account, "query", "SELECT Caption FROM Win32_OperatingSystem", check=False)
    assert out.returncode == 1
    assert "0x80041003" in out.stderr and "RemoteEnable" in out.stderr
    assert f"'{USER}' logged in" in remote.log.read_text()
    remote.owmi("security", "grant", USER, "RemoteEnable")
    out = remote.remote(account, "query", "SELECT Caption FROM Win32_OperatingSystem", "-f", "json")
    assert json.loads(out.stdout)[0]["Caption"]
    # the identity is the user's: its own rights, not root's
    out = remote.remote(account, "call", "__SystemSecurity", "GetCallerAccessRights", "-f", "json")
    assert json.loads(out.stdout)[0]["Rights"] == 0x1 | 0x20 | 0x40


def test_method_runs_as_the_remote_user(remote, account):
    remote.owmi("security", "grant", USER, "RemoteEnable,MethodExecute")
    shared = remote.public / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    target = shared / "made-remotely"
    remote.remote(account, "call", "Win32_Process", "Create", f"CommandLine=touch {target}")
    import time
    deadline = time.monotonic() + 10
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert target.stat().st_uid == pwd.getpwnam(USER).pw_uid


def test_bad_password_and_unknown_user(remote, account):
    for user in (USER, "no-such-user-here"):
        out = remote.remote("wrong", "query", "SELECT * FROM Win32_OperatingSystem", user=user,
                            check=False)
        assert out.returncode == 1
        assert "0x80041003" in out.stderr and "wrong user or password" in out.stderr
    assert "authentication failed for 'owmitest'" in remote.log.read_text()


def test_failed_logins_are_limited(tmp_path, account):
    d = Remote(tmp_path)
    try:
        for _ in range(5):
            d.remote("wrong", "get", "__SystemClass", check=False)
        out = d.remote(account, "get", "__SystemClass", check=False)
        assert out.returncode == 1 and "too many failed logins" in out.stderr
    finally:
        assert d.stop() == 0


def test_server_certificate_must_verify(remote, account):
    out = remote.remote(account, "get", "__SystemClass", ca=False, check=False)
    assert out.returncode == 1
    assert "0x80041015" in out.stderr and "does not verify" in out.stderr


def test_plain_listener(tmp_path, account):
    port = free_port()
    d = Remote(tmp_path, "--listen-plain", f"127.0.0.1:{port}")
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(cbor_min.frame([1, 1, "t", [], USER, account]))
        msg = goodbye_then_eof(s)
        assert msg[1] == 0x80041087
        # no credentials at all on a remote connection
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(cbor_min.frame([1, 1, "t", [], None, None]))
        assert goodbye_then_eof(s)[1] == 0x80041003
    finally:
        assert d.stop() == 0
    # allowed by the operator: the same login works
    d = Remote(tmp_path, "--listen-plain", f"127.0.0.1:{port}", config="plain_passwords = yes\n")
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(cbor_min.frame([1, 1, "t", [], USER, account]))
        welcome = read_frame(s)
        assert welcome[0] == 16 and welcome[3] == USER
    finally:
        assert d.stop() == 0


def test_plain_listener_only_on_loopback(tmp_path):
    proc = subprocess.run([str(OWMID), "-f", "--socket", str(tmp_path / "s"), "--repository",
                           str(tmp_path / "r.db"), "--listen-plain", "0.0.0.0:5999"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and "loopback" in proc.stderr


def test_credentials_locally_are_refused(remote):
    out = remote.owmi("--user", "someone", "get", "__SystemClass", check=False)
    assert out.returncode == 1 and "0x80041064" in out.stderr


def test_query_on_several_hosts(remote, account):
    remote.owmi("security", "grant", USER, "RemoteEnable")
    env = dict(remote.env, OWMI_PASSWORD=account)
    hosts = [f"127.0.0.1:{remote.port}", f"localhost:{remote.port}", "nohost.invalid:1"]
    cmd = [str(OWMI), "--user", USER, "--ca", str(remote.ca)]
    for h in hosts:
        cmd += ["--host", h]
    out = subprocess.run(cmd + ["query", "SELECT Caption FROM Win32_OperatingSystem", "-f", "json"],
                         capture_output=True, text=True, env=env, timeout=60)
    # some failed: exit 4, the rest printed, each host's fate on stderr
    assert out.returncode == 4, out.stderr
    rows = json.loads(out.stdout)
    assert [r["__HOST"] for r in rows] == hosts[:2]
    assert "nohost.invalid:1: 0x80041015" in out.stderr and "1 object(s)" in out.stderr
    out = subprocess.run(cmd[:-2] + ["query", "SELECT Caption FROM Win32_OperatingSystem", "-f",
                                     "csv"], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[0].startswith("Host,") and len(lines) == 3


def test_client_certificate_logs_in_as_its_common_name(tmp_path, account):
    """A certificate signed by tls_client_ca is a login without a password."""
    import ssl
    ca_key, ca_crt = tmp_path / "ca.key", tmp_path / "ca.crt"
    key, csr, crt = tmp_path / "client.key", tmp_path / "client.csr", tmp_path / "client.crt"
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(ca_key), "-out", str(ca_crt), "-days", "1", "-subj", "/CN=Test CA")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={USER}")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key),
        "-CAcreateserial", "-out", str(crt), "-days", "1")
    d = Remote(tmp_path, config=f"tls_client_ca = {ca_crt}\n")
    try:
        ctx = ssl.create_default_context(cafile=str(d.ca))
        ctx.load_cert_chain(str(crt), str(key))
        with socket.create_connection(("127.0.0.1", d.port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(cbor_min.frame([1, 1, "t", [], None, None]))
                welcome = read_frame(s)
                assert welcome[0] == 16 and welcome[3] == USER
        assert "logged in with a certificate" in d.log.read_text()
        # without one (and without a password): refused
        ctx = ssl.create_default_context(cafile=str(d.ca))
        with socket.create_connection(("127.0.0.1", d.port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(cbor_min.frame([1, 1, "t", [], None, None]))
                assert goodbye_then_eof(s)[1] == 0x80041003
    finally:
        assert d.stop() == 0
