"""The Python package wmi (first part) from the build tree, in process on a
fresh repository and through the real daemon: the tutorial's first
examples, the WQL its class calls build, instances, errors."""
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import BUILD, TOP
from test_daemon import Daemon

PYTHON = "/usr/bin/python3"


def run(script, env):
    env = dict(env, PYTHONPATH=f"{BUILD / 'python'}:{TOP / 'python'}")
    proc = subprocess.run([PYTHON, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def in_process(tmp_path):
    return dict(os.environ, OWMI_PROVIDER_DIR=str(BUILD / "providers"),
                OWMI_REPOSITORY=str(tmp_path / "repository.db"), OWMI_SOCKET="")


TUTORIAL = """
    import os, wmi
    c = wmi.WMI()
    # T1: every process, and this one among them
    mine = [p for p in c.Win32_Process() if p.ProcessId == os.getpid()]
    assert len(mine) == 1 and mine[0].Name.startswith("python")
    # fields and keyword filters: SELECT Name FROM Win32_Process WHERE ProcessId = '<pid>'
    only = c.Win32_Process(["Name"], ProcessId=os.getpid())
    assert len(only) == 1 and only[0].Name == mine[0].Name
    assert list(only[0].properties) == ["Name"]
    assert only[0] == mine[0] and hash(only[0]) == hash(mine[0])
    assert 'Win32_Process.Handle="%d"' % os.getpid() in mine[0].path()
    assert mine[0].keys == ["Handle"]
    # WQL
    [osys] = c.query("SELECT * FROM Win32_OperatingSystem")
    assert osys.Caption and osys.Primary is True
    # classes: MOF text, names
    assert "class Win32_OperatingSystem" in str(c.Win32_OperatingSystem)
    assert "Win32_Process" in c.classes
    assert "Create" in c.Win32_Process.methods
    # errors carry WMI's codes
    try:
        c.query("SELECT * FRM Win32_Process")
    except wmi.x_wmi_invalid_query as e:
        assert wmi.signed_to_unsigned(e.com_error.hresult) == 0x80041017
    else:
        raise AssertionError("no x_wmi_invalid_query")
    assert not hasattr(c, "No_Such_Class")
    try:
        wmi.WMI(namespace="no_such_namespace")
    except wmi.x_wmi as e:
        assert wmi.signed_to_unsigned(e.com_error.hresult) == 0x8004100E
    else:
        raise AssertionError("no error for a missing namespace")
    print("ok")
"""


def test_tutorial_in_process(in_process):
    assert run(TUTORIAL, in_process).strip() == "ok"


def test_tutorial_through_the_daemon(tmp_path):
    d = Daemon(tmp_path)
    try:
        env = dict(d.env, OWMI_SOCKET=str(d.socket))
        assert run(TUTORIAL, env).strip() == "ok"
    finally:
        assert d.stop() == 0


def test_new_instances_and_put(in_process, tmp_path):
    mof = tmp_path / "thing.mof"
    mof.write_text("class Test_Thing { [key] string Name; uint32 Size; };\n")
    subprocess.run([str(BUILD / "src" / "owmi"), "mof", "compile", "-n", "root/default", str(mof)],
                   check=True, env=in_process, capture_output=True)
    out = run("""
        import wmi
        c = wmi.WMI(namespace="default")
        t = c.Test_Thing.new(Name="first", Size=3)
        t.put()
        [back] = c.Test_Thing(Name="first")
        assert back.Size == 3
        back.Size = 4                     # written through: it has a path
        [again] = c.Test_Thing()
        assert again.Size == 4
        try:
            back.NoSuchProperty = 1
        except AttributeError:
            print("ok")
    """, in_process)
    assert out.strip() == "ok"


def test_credentials_locally_are_refused(in_process):
    out = run("""
        import wmi
        try:
            wmi.WMI(user="someone", password="secret")
        except wmi.x_wmi_authentication as e:
            print(hex(wmi.signed_to_unsigned(e.com_error.hresult)))
    """, in_process)
    assert out.strip() == "0x80041064"


def test_methods(in_process, tmp_path):
    out = run(f"""
        import time, wmi
        c = wmi.WMI()
        # the signature, as the original shows it
        assert repr(c.Win32_Process.Create) == (
            "<function Create (CommandLine, CurrentDirectory, ProcessStartupInformation)"
            " => (ProcessId, ReturnValue)>")
        assert c.Win32_OperatingSystem.Shutdown.__doc__.endswith("| Needs: SeShutdownPrivilege")
        # a static method with keywords, then positionally
        pid, result = c.Win32_Process.Create(CommandLine="sleep 30", CurrentDirectory="{tmp_path}")
        assert result == 0 and pid > 0
        [p] = c.Win32_Process(ProcessId=pid)
        assert p.Name == "sleep"
        # an instance method: a 1-tuple
        result, = p.Terminate()
        assert result == 0
        for _ in range(100):
            if not c.Win32_Process(ProcessId=pid):
                break
            time.sleep(0.05)
        assert not c.Win32_Process(ProcessId=pid)
        pid2, result = c.Win32_Process.Create("sleep 30")
        assert result == 0
        c.Win32_Process(ProcessId=pid2)[0].Terminate()
        try:
            c.Win32_Process.Create(NoSuchParameter=1)
        except AttributeError as e:
            assert "NoSuchParameter is not a valid parameter" in str(e)
        else:
            raise AssertionError("no AttributeError")
        print("ok")
    """, in_process)
    assert out.strip() == "ok"
