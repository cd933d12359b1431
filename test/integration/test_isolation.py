"""Providers in host processes of their own (owmid's isolated_providers),
with a provider built to crash, to hang and to leak (providers/faulty):
each failure answers its caller with WBEM_E_PROVIDER_FAILURE, the host
starts again, and the daemon and every other client go on."""
import json
import subprocess
import time

import pytest

from conftest import TOP
from test_daemon import OWMI, Daemon

FAILURE = "0x80041004"


@pytest.fixture
def isolated(tmp_path):
    conf = tmp_path / "owmid.conf"
    conf.write_text("isolated_providers = Faulty\nprovider_timeout = 2\n"
                    "provider_memory_limit = 100\n")
    d = Daemon(tmp_path, "--config", str(conf))
    d.owmi("mof", "compile", "-n", "root/default",
           str(TOP / "providers" / "faulty" / "faulty.mof"))
    yield d
    assert d.stop() == 0, d.log.read_text()


def host_pid(d):
    out = d.owmi("enum", "-n", "root/default", "Faulty_Ok", "-f", "json")
    return json.loads(out.stdout)[0]["HostPid"]


def test_the_provider_runs_in_its_own_process(isolated):
    pid = host_pid(isolated)
    assert pid != isolated.proc.pid
    assert pid == host_pid(isolated)          # the same host serves the next request
    assert f"host process {pid} started" in isolated.log.read_text()


def test_a_crash_is_an_error_and_a_restart(isolated):
    before = host_pid(isolated)
    out = isolated.owmi("enum", "-n", "root/default", "Faulty_Crash", check=False)
    assert out.returncode == 1 and FAILURE in out.stderr and "crashed" in out.stderr
    after = host_pid(isolated)
    assert after != before
    isolated.owmi("get", "Win32_OperatingSystem=@", check=False)   # the daemon is fine
    assert isolated.proc.poll() is None


def test_a_hang_times_out_while_others_go_on(isolated):
    before = host_pid(isolated)
    hang = subprocess.Popen([str(OWMI), "enum", "-n", "root/default", "Faulty_Hang"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(isolated.env, OWMI_SOCKET=str(isolated.socket)))
    time.sleep(0.3)
    # meanwhile every other client is served at once
    t0 = time.monotonic()
    out = isolated.owmi("query", "SELECT Name FROM Win32_OperatingSystem", "-f", "json")
    assert time.monotonic() - t0 < 1.5 and json.loads(out.stdout)
    _, err = hang.communicate(timeout=30)
    assert hang.returncode == 1 and FAILURE in err and "did not answer within 2 s" in err
    assert host_pid(isolated) != before


def test_a_leak_ends_in_a_restart(isolated):
    before = host_pid(isolated)
    for _ in range(3):
        isolated.owmi("enum", "-n", "root/default", "Faulty_Leak")
    assert "grew to" in isolated.log.read_text()
    assert host_pid(isolated) != before


def test_clients_cannot_speak_for_others(isolated):
    """REQUEST_AS (the daemon's word to its hosts) is refused from a client."""
    import cbor_min
    from test_daemon import goodbye_then_eof, read_frame
    s = isolated.connect()
    s.sendall(cbor_min.frame([1, 1, "t", [], None, None]))
    assert read_frame(s)[0] == 16
    s.sendall(cbor_min.frame([4, [0, 0, [], "root", 0, 0, False],
                              [2, 1, 1, "root/cimv2", "__SystemClass"]]))
    assert "unknown message type" in goodbye_then_eof(s)[2]
