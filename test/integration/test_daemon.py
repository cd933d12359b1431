"""owmid, the real daemon on a temporary socket and repository, driven
through the real owmi CLI (libowmi) and through raw frames."""
import json
import os
import pathlib
import pwd
import signal
import socket
import struct
import shutil
import subprocess
import tempfile
import time

import pytest

import cbor_min
from conftest import BUILD, TOP

OWMID = BUILD / "src" / "owmid"
OWMI = BUILD / "src" / "owmi"
HELLO = [1, 1, "test", [], None, None]


class Daemon:
    def __init__(self, tmp: pathlib.Path, *extra: str):
        self.tmp = tmp
        # a folder other users can reach (pytest's own are private)
        self.public = pathlib.Path(tempfile.mkdtemp(prefix="owmid-test-"))
        self.public.chmod(0o755)
        self.socket = self.public / "owmid.sock"
        self.repository = tmp / "repository.db"
        self.log = tmp / "owmid.log"
        self.env = dict(os.environ, OWMI_PROVIDER_DIR=str(BUILD / "providers"))
        self.env.pop("OWMI_REPOSITORY", None)
        self.env.pop("OWMI_SOCKET", None)
        self.proc = subprocess.Popen(
            [str(OWMID), "--foreground", "--socket", str(self.socket),
             "--repository", str(self.repository), *extra],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"), env=self.env)
        deadline = time.monotonic() + 30
        while not self.socket.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"owmid did not start:\n{self.log.read_text()}")
            time.sleep(0.02)

    def owmi(self, *args: str, user: str | None = None, check: bool = True,
             timeout: float = 60) -> subprocess.CompletedProcess:
        env = dict(self.env, OWMI_SOCKET=str(self.socket))
        cmd = [str(OWMI), *args]
        if user:
            cmd = ["setpriv", f"--reuid={user}", f"--regid={pwd.getpwnam(user).pw_gid}",
                   "--clear-groups", "--inh-caps=-all", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"owmi {' '.join(args)} failed ({proc.returncode}):\n"
                                 f"{proc.stdout}{proc.stderr}")
        return proc

    def connect(self) -> socket.socket:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(str(self.socket))
        return s

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise
        shutil.rmtree(self.public, ignore_errors=True)
        shutil.rmtree(self.public, ignore_errors=True)
        return self.proc.returncode


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(tmp_path)
    yield d
    # a clean stop: no error, no leak (under the sanitizers), no sanitizer report
    assert d.stop() == 0, d.log.read_text()
    assert "Sanitizer" not in d.log.read_text() and "runtime error" not in d.log.read_text()


def read_frame(s: socket.socket):
    """The next message, or None at end of stream."""
    header = b""
    while len(header) < 4:
        chunk = s.recv(4 - len(header))
        if not chunk:
            return None
        header += chunk
    (n,) = struct.unpack(">I", header)
    body = b""
    while len(body) < n:
        chunk = s.recv(n - len(body))
        if not chunk:
            return None
        body += chunk
    return cbor_min.loads(body)


def goodbye_then_eof(s: socket.socket):
    msg = read_frame(s)
    assert msg is not None and msg[0] == 21, msg
    assert read_frame(s) is None
    return msg


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="switches to another user")


def test_query_through_the_daemon(daemon):
    pid = daemon.proc.pid
    out = daemon.owmi("query", f"SELECT Handle, Name FROM Win32_Process WHERE Handle = '{pid}'",
                      "-f", "json")
    rows = json.loads(out.stdout)
    assert [(r["Handle"], r["Name"]) for r in rows] == [(str(pid), "owmid")]
    # the same socket with the daemon gone: no silent fallback to in-process
    assert daemon.stop() == 0
    assert not daemon.socket.exists()
    out = daemon.owmi("query", "SELECT Name FROM Win32_Process", check=False)
    assert out.returncode == 1
    assert "0x80041015" in out.stderr and "cannot reach the daemon" in out.stderr


def test_results_stream_in_chunks(daemon):
    """A deep class enumeration comes in several OBJECTS chunks, then DONE,
    and holds what the CLI (libowmi) gets."""
    s = daemon.connect()
    s.sendall(cbor_min.frame(HELLO))
    assert read_frame(s)[0] == 16
    s.sendall(cbor_min.frame([2, 1, 2, "root/cimv2", None, True]))
    chunks, names = 0, []
    while True:
        msg = read_frame(s)
        if msg[0] == 19:
            assert msg[1:3] == [1, 0]
            break
        assert msg[0] == 17 and msg[1] == 1
        chunks += 1
        names += [obj[1] for obj in msg[2]]
    assert chunks >= 2
    out = daemon.owmi("query", "SELECT * FROM meta_class", "-f", "json")
    assert sorted(names) == sorted(c["__CLASS"] for c in json.loads(out.stdout))


def test_errors_carry_wmi_codes(daemon):
    out = daemon.owmi("get", "NoSuchClass", check=False)
    assert out.returncode == 1 and "0x80041002" in out.stderr
    out = daemon.owmi("query", "SELECT * FROM", check=False)
    assert out.returncode == 1 and "0x80041017" in out.stderr


@needs_root
def test_method_runs_as_the_caller(daemon, tmp_path):
    """Win32_Process.Create for nobody: the process is nobody's, and so is its file."""
    shared = daemon.public / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    target = shared / "made-by-nobody"
    denied = daemon.owmi("call", "Win32_Process", "Create", f"CommandLine=touch {target}",
                         user="nobody", check=False)
    assert denied.returncode == 1 and "0x80041003" in denied.stderr
    daemon.owmi("security", "grant", "nobody", "MethodExecute")
    out = daemon.owmi("call", "Win32_Process", "Create", f"CommandLine=touch {target}",
                      "-f", "json", user="nobody")
    assert json.loads(out.stdout)[0]["ReturnValue"] == 0
    deadline = time.monotonic() + 10
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert target.stat().st_uid == pwd.getpwnam("nobody").pw_uid
    # and root's own call makes root's file
    mine = shared / "made-by-root"
    daemon.owmi("call", "Win32_Process", "Create", f"CommandLine=touch {mine}")
    deadline = time.monotonic() + 10
    while not mine.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mine.stat().st_uid == 0


@needs_root
def test_privilege_needs_the_capability(daemon):
    """nobody asks for Shutdown and still lacks CAP_SYS_BOOT."""
    daemon.owmi("security", "grant", "nobody", "MethodExecute")
    out = daemon.owmi("-P", "Shutdown", "call", "Win32_OperatingSystem=@", "Shutdown",
                      user="nobody", check=False)
    assert out.returncode == 1
    assert "0x80041062" in out.stderr and "does not hold" in out.stderr
    out = daemon.owmi("call", "Win32_OperatingSystem=@", "Shutdown", user="nobody", check=False)
    assert out.returncode == 1 and "0x80041062" in out.stderr


def test_watch_prints_events_as_they_come(daemon, tmp_path):
    # a program that lives long enough for its name to be read (one that
    # exits at once is still announced, with what could be read)
    program = tmp_path / f"owmi-watched-{os.getpid()}"
    shutil.copy("/bin/sleep", program)
    watch = subprocess.Popen(
        [str(OWMI), "watch", "--count", "2", "--timeout", "20", "-f", "json",
         "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Win32_Process' "
         f"AND TargetInstance.Name = '{program.name}'"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(daemon.env, OWMI_SOCKET=str(daemon.socket)))
    time.sleep(1.0)
    for _ in range(2):
        subprocess.run([str(program), "0.2"], check=True)
    out, err = watch.communicate(timeout=30)
    assert watch.returncode == 0, (out, err, daemon.log.read_text())
    events = [json.loads(line) for line in out.splitlines()]
    assert len(events) == 2
    for e in events:
        assert e["__CLASS"] == "__InstanceCreationEvent"
        assert e["TargetInstance"]["Name"] == program.name


def test_watch_timeout_before_count_exits_3(daemon):
    out = daemon.owmi("watch", "--count", "1", "--timeout", "0.5",
                      "SELECT * FROM __NamespaceCreationEvent", check=False)
    assert out.returncode == 3, out.stderr
    out = daemon.owmi("watch", "--count", "1", "--timeout", "0.5",
                      "SELECT * FROM __ClassCreationEvent", check=False)
    assert out.returncode == 3, out.stderr


def test_killed_clients_do_not_disturb_others(daemon):
    # a client that asks for a large result and never reads it
    s = daemon.connect()
    s.sendall(cbor_min.frame(HELLO))
    assert read_frame(s)[0] == 16
    s.sendall(cbor_min.frame([2, 1, 2, "root/cimv2", None, True]))
    # a watcher killed mid-stream
    watch = subprocess.Popen(
        [str(OWMI), "watch", "SELECT * FROM __InstanceCreationEvent WITHIN 1 "
                             "WHERE TargetInstance ISA 'Win32_Process'"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=dict(daemon.env, OWMI_SOCKET=str(daemon.socket)))
    time.sleep(0.5)
    watch.kill()
    watch.wait()
    out = daemon.owmi("query", "SELECT Name FROM Win32_Process", "-f", "json")
    assert any(r["Name"] == "owmid" for r in json.loads(out.stdout))
    s.close()
    out = daemon.owmi("get", "__SystemClass", "-f", "json")
    assert json.loads(out.stdout)[0]["__CLASS"] == "__SystemClass"
    assert daemon.proc.poll() is None


@pytest.mark.parametrize("payload,reason", [
    (struct.pack(">I", 0xFFFFFFF0), "frame larger"),
    (struct.pack(">I", 0), "empty frame"),
    (cbor_min.frame(b"\xff\xff\xff"), "malformed message"),
    (cbor_min.frame([2, 1, 1, "root/cimv2", "X"]), "first message must be hello"),
    (cbor_min.frame([9]), "unknown message type"),
    (cbor_min.frame([1, 1, "t", ["NoSuchPrivilege"], None, None]), "no such privilege"),
    (cbor_min.frame(b"\x9f\x01\xff"), "malformed message"),          # indefinite array
    (cbor_min.frame(b"\x9b" + b"\xff" * 8), "malformed message"),    # 2^64-1 elements
])
def test_malformed_frames_close_only_that_connection(daemon, payload, reason):
    s = daemon.connect()
    s.sendall(payload)
    msg = goodbye_then_eof(s)
    assert reason in msg[2]
    assert b"closing the connection" in daemon.log.read_bytes()
    daemon.owmi("get", "__SystemClass")


def test_malformed_request_after_hello(daemon):
    s = daemon.connect()
    s.sendall(cbor_min.frame(HELLO))
    assert read_frame(s)[0] == 16
    # PutInstance with an object whose genus is 7
    s.sendall(cbor_min.frame([2, 5, 7, "root/cimv2", [7, "X", None, [], None, None, [], [], []],
                              0, None]))
    msg = goodbye_then_eof(s)
    assert "malformed request arguments" in msg[2]
    daemon.owmi("get", "__SystemClass")


def test_requests_in_flight_and_cancel(daemon):
    s = daemon.connect()
    s.sendall(cbor_min.frame(HELLO))
    assert read_frame(s)[0] == 16
    # a subscription, a cancel of it, and an ordinary request on the same connection
    s.sendall(cbor_min.frame([2, 7, 12, "root/cimv2", "WQL",
                              "SELECT * FROM __ClassCreationEvent", 10]))
    assert read_frame(s) == [22, 7]
    s.sendall(cbor_min.frame([2, 8, 1, "root/cimv2", "__SystemClass"]))
    s.sendall(cbor_min.frame([3, 7]))
    seen = {}
    while len(seen) < 2:
        msg = read_frame(s)
        assert msg is not None
        if msg[0] == 19:
            seen[msg[1]] = msg[2]
    assert seen == {7: 0x80041032, 8: 0}
    # an id still in flight may not be reused; a finished one may
    s.sendall(cbor_min.frame([2, 8, 1, "root/cimv2", "__SystemClass"]))
    msgs = [read_frame(s), read_frame(s)]
    assert msgs[0][0] == 17 and msgs[1][:3] == [19, 8, 0]


def test_credentials_on_the_local_socket_are_refused(daemon):
    s = daemon.connect()
    s.sendall(cbor_min.frame([1, 1, "t", [], "root", "secret"]))
    msg = goodbye_then_eof(s)
    assert msg[1] == 0x80041064


def test_sighup_reloads_and_sigterm_stops_cleanly(tmp_path):
    config = tmp_path / "owmid.conf"
    config.write_text("# test\nrequest_timeout = 5\n")
    d = Daemon(tmp_path, "--config", str(config))
    d.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while b"reloaded" not in d.log.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert b"reloaded" in d.log.read_bytes()
    d.owmi("get", "__SystemClass")
    assert d.stop() == 0
    assert not d.socket.exists()


def test_config_errors_name_the_line(tmp_path):
    config = tmp_path / "owmid.conf"
    config.write_text("workers = 2\nno_such_key = 1\n")
    proc = subprocess.run([str(OWMID), "-f", "--config", str(config)], capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 2
    assert f"{config}:2:1" in proc.stderr and "unknown setting 'no_such_key'" in proc.stderr


def test_one_daemon_per_socket_and_stale_sockets_replaced(tmp_path):
    # a socket file nobody listens on: left over from a crash
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(tmp_path / "owmid.sock"))
    stale.close()
    d = Daemon(tmp_path)
    try:
        second = subprocess.run([str(OWMID), "-f", "--socket", str(d.socket),
                                 "--repository", str(tmp_path / "other.db")],
                                capture_output=True, text=True, timeout=30, env=d.env)
        assert second.returncode == 1 and "another daemon answers" in second.stderr
        d.owmi("get", "__SystemClass")
    finally:
        assert d.stop() == 0


def test_namespaces_and_csv_through_the_daemon(daemon):
    daemon.owmi("ns", "create", "root/cimv2/Test_Ns")
    listed = daemon.owmi("ns", "list").stdout.split()
    assert "root/cimv2/Test_Ns" in listed and "root/default" in listed
    assert daemon.owmi("namespaces").stdout.split() == listed
    out = daemon.owmi("ns", "create", "root/cimv2/Test_Ns", check=False)
    assert out.returncode == 1 and "0x8004" in out.stderr
    daemon.owmi("ns", "delete", "root/cimv2/Test_Ns")
    assert "root/cimv2/Test_Ns" not in daemon.owmi("ns", "list").stdout.split()
    pid = daemon.proc.pid
    out = daemon.owmi("query", f"SELECT Handle, Name FROM Win32_Process WHERE Handle = '{pid}'",
                      "-f", "csv")
    assert out.stdout.splitlines() == ["Name,Handle", f"owmid,{pid}"]
    # classes and describe through the daemon too
    assert "Win32_Process" in daemon.owmi("classes").stdout.split()
    assert "class Win32_Process : CIM_Process" in daemon.owmi("describe", "Win32_Process").stdout
