"""Permanent event subscriptions in the real daemon: a filter, a standard
consumer and a binding compiled through owmid run with no client
connected, survive a restart, stop when the binding goes, and act as
their creator, whatever the MOF claimed."""
import os
import pathlib
import pwd
import shutil
import socket
import subprocess
import time

import pytest

import cbor_min
from test_daemon import Daemon, read_frame

HELLO = [1, 1, "test", [], None, None]


def program(d, name):
    """A program whose process we watch for, runnable by anyone."""
    path = d.public / name
    shutil.copy("/bin/sleep", path)
    path.chmod(0o755)
    return path


def subscription_mof(d, prog, consumer_class, consumer_body, name="perm"):
    return f"""#pragma namespace("root/subscription")
instance of __EventFilter as $F
{{
    Name = "{name}-filter";
    QueryLanguage = "WQL";
    Query = "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Win32_Process' AND TargetInstance.Name = '{prog.name}'";
    EventNamespace = "root/cimv2";
}};
instance of {consumer_class} as $C
{{
    Name = "{name}-consumer";
    {consumer_body}
}};
instance of __FilterToConsumerBinding
{{
    Filter = $F;
    Consumer = $C;
}};
"""


def compile_mof(d, text, user=None):
    path = d.public / f"sub-{time.monotonic_ns()}.mof"
    path.write_text(text)
    path.chmod(0o644)
    return d.owmi("mof", "compile", str(path), user=user)


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def running(d):
    return "permanent subscription" in d.log.read_text() and "running" in d.log.read_text()


def test_log_file_consumer_survives_a_restart(tmp_path):
    d = Daemon(tmp_path)
    try:
        prog = program(d, f"owmi-perm-{os.getpid()}")
        log = d.public / "events.log"
        compile_mof(d, subscription_mof(
            d, prog, "LogFileEventConsumer",
            f'Filename = "{log}"; Text = "created %TargetInstance.Name% pid %TargetInstance.ProcessId%";'))
        assert wait_for(lambda: running(d))
        p = subprocess.Popen([str(prog), "0.2"])
        p.wait()
        assert wait_for(lambda: log.exists() and f"pid {p.pid}" in log.read_text())
        assert log.read_text().startswith(f"created {prog.name} pid")
    finally:
        assert d.stop() == 0
    # no client: the daemon starts, finds the binding, runs it
    d = Daemon(tmp_path)
    try:
        assert wait_for(lambda: running(d))
        p = subprocess.Popen([str(prog), "0.2"])
        p.wait()
        assert wait_for(lambda: f"pid {p.pid}" in log.read_text())
        assert len(log.read_text().splitlines()) == 2
        # the binding deleted: it stops
        s = d.connect()
        s.sendall(cbor_min.frame(HELLO))
        assert read_frame(s)[0] == 16
        path = ('__FilterToConsumerBinding.Consumer="LogFileEventConsumer.Name=\\"perm-consumer\\"",'
                'Filter="__EventFilter.Name=\\"perm-filter\\""')
        s.sendall(cbor_min.frame([2, 1, 8, "root/subscription", path]))
        assert read_frame(s)[:3] == [19, 1, 0]
        assert wait_for(lambda: "stopped" in d.log.read_text())
        subprocess.run([str(prog), "0.2"], check=True)
        time.sleep(0.5)
        assert len(log.read_text().splitlines()) == 2
    finally:
        assert d.stop() == 0


def test_log_file_rotation(tmp_path):
    d = Daemon(tmp_path)
    try:
        prog = program(d, f"owmi-rot-{os.getpid()}")
        log = d.public / "small.log"
        compile_mof(d, subscription_mof(
            d, prog, "LogFileEventConsumer",
            f'Filename = "{log}"; Text = "event %TargetInstance.ProcessId% of a long enough line"; '
            'MaximumFileSize = 60;'))
        assert wait_for(lambda: running(d))
        for _ in range(2):
            subprocess.run([str(prog), "0.2"], check=True)
            time.sleep(0.3)
        assert wait_for(lambda: pathlib.Path(f"{log}.001").exists()), d.log.read_text() + str(list(d.public.iterdir()))
        assert len(log.read_text().splitlines()) == 1
    finally:
        assert d.stop() == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="plays nobody")
def test_command_line_consumer_runs_as_its_creator(tmp_path):
    d = Daemon(tmp_path)
    try:
        prog = program(d, f"owmi-cmd-{os.getpid()}")
        shared = d.public / "shared"
        shared.mkdir()
        shared.chmod(0o1777)
        d.owmi("security", "grant", "-n", "root", "nobody", "FullWrite")
        # nobody claims root's SID: the object manager puts nobody's there
        text = subscription_mof(
            d, prog, "CommandLineEventConsumer",
            f'CommandLineTemplate = "touch {shared}/ran-%TargetInstance.ProcessId%"; '
            'CreatorSID = {1, 2, 0, 0, 0, 0, 0, 22, 1, 0, 0, 0, 0, 0, 0, 0};')
        text = text.replace("__EventFilter as $F\n{", "__EventFilter as $F\n{\n    CreatorSID = {1, 2, 0, 0, 0, 0, 0, 22, 1, 0, 0, 0, 0, 0, 0, 0};")
        compile_mof(d, text, user="nobody")
        assert wait_for(lambda: "running (as nobody)" in d.log.read_text())
        p = subprocess.Popen([str(prog), "0.2"])
        p.wait()
        made = shared / f"ran-{p.pid}"
        assert wait_for(made.exists)
        assert made.stat().st_uid == pwd.getpwnam("nobody").pw_uid
    finally:
        assert d.stop() == 0


@pytest.mark.skipif(os.geteuid() != 0 or os.path.exists("/run/systemd/journal/socket"),
                    reason="stands in for the journal's socket")
def test_event_log_consumer_writes_to_the_journal(tmp_path):
    os.makedirs("/run/systemd/journal", exist_ok=True)
    journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    journal.bind("/run/systemd/journal/socket")
    journal.settimeout(10)
    d = Daemon(tmp_path)
    try:
        prog = program(d, f"owmi-jrn-{os.getpid()}")
        compile_mof(d, subscription_mof(
            d, prog, "NTEventLogEventConsumer",
            'SourceName = "owmi-test"; EventID = 7; EventType = 2; '
            'InsertionStringTemplates = {"started", "%TargetInstance.Name%"};'))
        assert wait_for(lambda: running(d))
        subprocess.run([str(prog), "0.2"], check=True)
        entry = journal.recv(65536).decode(errors="replace")
        assert f"MESSAGE=started {prog.name}" in entry
        assert "SYSLOG_IDENTIFIER=owmi-test" in entry and "PRIORITY=4" in entry
        assert "OWMI_EVENT_ID=7" in entry
    finally:
        assert d.stop() == 0
        journal.close()
        os.unlink("/run/systemd/journal/socket")
