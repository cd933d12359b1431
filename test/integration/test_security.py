"""Namespace security on the real daemon: WMI's rights for real users
(root and nobody, identified by the kernel on the local socket), their
defaults, grants and revocations with `owmi security`, inheritance by
child namespaces, groups, and persistence across a restart."""
import json
import os

import pytest

from test_daemon import Daemon, daemon  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="plays root and nobody")

DENIED = "0x80041003"


def entries(d, ns="root/cimv2", user=None):
    return json.loads(d.owmi("security", "get", "-n", ns, "-f", "json", user=user).stdout)


def test_defaults_read_only_for_other_users(daemon):
    out = daemon.owmi("query", "SELECT Name FROM Win32_Process", "-f", "json", user="nobody")
    assert any(r["Name"] == "owmid" for r in json.loads(out.stdout))
    for args in (["call", "Win32_Process", "Create", "CommandLine=true"],
                 ["namespace", "create", "root/cimv2/nobodys"],
                 ["security", "get"],
                 ["security", "grant", "nobody", "All"]):
        out = daemon.owmi(*args, user="nobody", check=False)
        assert out.returncode == 1, args
        if args[0] != "namespace":
            assert DENIED in out.stderr, (args, out.stderr)
    # root: everything
    daemon.owmi("call", "Win32_Process", "Create", "CommandLine=true")
    listed = entries(daemon)
    assert {(e["Type"], e["Trustee"], e["Rights"], e["Inherited"]) for e in listed} == {
        ("allow", "root", "All", True), ("allow", "Everyone", "Enable,Subscribe", True)}


def test_grant_revoke_and_inheritance(daemon):
    # granted on root, it reaches root/cimv2
    daemon.owmi("security", "grant", "-n", "root", "nobody", "MethodExecute,ReadSecurity")
    assert "ReturnValue" in daemon.owmi("call", "Win32_Process", "Create", "CommandLine=true",
                                        user="nobody").stdout
    seen = entries(daemon, user="nobody")
    assert ("allow", "nobody", "MethodExecute,ReadSecurity", True) in {
        (e["Type"], e["Trustee"], e["Rights"], e["Inherited"]) for e in seen}
    # revoked in root/cimv2 only: a deny entry there, root keeps the grant
    daemon.owmi("security", "revoke", "nobody", "MethodExecute")
    out = daemon.owmi("call", "Win32_Process", "Create", "CommandLine=true", user="nobody",
                      check=False)
    assert out.returncode == 1 and DENIED in out.stderr and "MethodExecute" in out.stderr
    assert any(e["Type"] == "deny" and e["Trustee"] == "nobody" for e in entries(daemon))
    assert not any(e["Type"] == "deny" for e in entries(daemon, "root"))
    # granted again: the deny entry goes
    daemon.owmi("security", "grant", "nobody", "MethodExecute")
    assert not any(e["Type"] == "deny" for e in entries(daemon))
    daemon.owmi("call", "Win32_Process", "Create", "CommandLine=true", user="nobody")


def test_write_rights(daemon, tmp_path):
    mof = daemon.public / "static.mof"
    mof.write_text("class Test_Static { [key] string Name; string Value; };\n")
    # through the daemon: nobody may not, root may
    out = daemon.owmi("mof", "compile", "-n", "root/default", str(mof), user="nobody",
                      check=False)
    assert out.returncode == 1 and DENIED in out.stderr
    out = daemon.owmi("mof", "compile", "-n", "root/default", str(mof))
    assert "compiled: 1 file(s)" in out.stdout and "1 class(es)" in out.stdout
    daemon.owmi("get", "Test_Static", "-n", "root/default")
    # what the daemon refuses: includes (it reads no client's files), errors with positions
    bad = tmp_path / "bad.mof"
    bad.write_text('#pragma include ("/etc/shadow")\nclass Test_Bad { [key] string X; }\n')
    out = daemon.owmi("mof", "compile", "-n", "root/default", str(bad), check=False)
    assert out.returncode == 1 and f"{bad}:1:" in out.stderr
    assert f"{bad}:2:" in out.stderr
    out = daemon.owmi("namespace", "create", "root/default/x", user="nobody", check=False)
    assert out.returncode == 1
    daemon.owmi("security", "grant", "-n", "root/default", "nobody", "FullWrite")
    rights = daemon.owmi("call", "__SystemSecurity", "GetCallerAccessRights", "-n", "root/default",
                         "-f", "json", user="nobody")
    mask = json.loads(rights.stdout)[0]["Rights"]
    assert mask & 0x4 and not mask & 0x2 and not mask & 0x20


def test_group_entries(daemon):
    daemon.owmi("security", "grant", "group:nogroup", "MethodExecute")
    daemon.owmi("call", "Win32_Process", "Create", "CommandLine=true", user="nobody")
    assert ("allow", "group:nogroup") in {(e["Type"], e["Trustee"]) for e in entries(daemon)}


def test_security_survives_a_restart(tmp_path):
    d = Daemon(tmp_path)
    try:
        d.owmi("security", "grant", "nobody", "MethodExecute")
    finally:
        assert d.stop() == 0
    d = Daemon(tmp_path)
    try:
        d.owmi("call", "Win32_Process", "Create", "CommandLine=true", user="nobody")
        assert b"audit:" in d.log.read_bytes()
    finally:
        assert d.stop() == 0
