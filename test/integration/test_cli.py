"""The owmi command line, run as a user runs it: exit status, output
formats, errors with WMI codes, on a real repository and the real sample
provider plug-in."""
import json

MODEL = """
class Cli_Disk { [key] string DeviceID; uint64 Size; string FileSystem; };
class Cli_Fixed : Cli_Disk { };
instance of Cli_Disk { DeviceID = "/"; Size = 100; FileSystem = "ext4"; };
instance of Cli_Fixed { DeviceID = "/home"; Size = 250; FileSystem = "xfs"; };
"""


def compile_model(owmi, tmp_path):
    mof = tmp_path / "model.mof"
    mof.write_text(MODEL)
    out = owmi.run("mof", "compile", str(mof)).stdout
    assert "2 class(es), 2 instance(s)" in out


def test_mof_errors_change_nothing(owmi, tmp_path):
    bad = tmp_path / "bad.mof"
    bad.write_text("class Good { uint32 X; };\nclass Bad { int32 Y; };\n")
    proc = owmi.run("mof", "compile", str(bad), check=False)
    assert proc.returncode == 1
    assert f"{bad}:2:13: error: 'int32' is not a CIM type (use sint32)" in proc.stderr
    assert "WBEM_E_INVALID_PROPERTY_TYPE" in proc.stderr
    assert "Good" not in owmi.run("classes").stdout


def test_default_namespaces_and_tree(owmi):
    assert owmi.run("namespaces").stdout.split() == [
        "root", "root/cimv2", "root/default", "root/subscription", "root/WMI"]
    tree = owmi.run("classes", "--tree").stdout
    assert "__SystemClass\n" in tree
    assert "│   │   ├── __ExtrinsicEvent\n" in tree
    assert "WMIEvent" in owmi.run("-n", "root/WMI", "classes").stdout


def test_query_json(owmi, tmp_path):
    compile_model(owmi, tmp_path)
    rows = json.loads(owmi.run("query", "-f", "json",
                               "SELECT * FROM Cli_Disk WHERE Size > 50").stdout)
    assert {r["DeviceID"] for r in rows} == {"/", "/home"}
    home = next(r for r in rows if r["DeviceID"] == "/home")
    assert home["__CLASS"] == "Cli_Fixed"
    assert home["__PATH"].endswith(r'\root\cimv2:Cli_Fixed.DeviceID="/home"')
    assert home["Size"] == 250
    # a select list: the key comes along, the rest does not
    rows = json.loads(owmi.run("query", "--format=json", "SELECT Size FROM Cli_Disk").stdout)
    assert all(set(r) == {"__CLASS", "__PATH", "DeviceID", "Size"} for r in rows)


def test_get_enum_table_mof(owmi, tmp_path):
    compile_model(owmi, tmp_path)
    table = owmi.run("enum", "Cli_Disk").stdout.splitlines()
    assert table[0].split() == ["DeviceID", "Size", "FileSystem"]
    assert len(table) == 3
    assert len(owmi.run("enum", "--shallow", "Cli_Disk").stdout.splitlines()) == 2
    mof = owmi.run("get", "-f", "mof", 'Cli_Disk.DeviceID="/home"').stdout
    assert mof.startswith("instance of Cli_Fixed\n{\n")
    assert '\tFileSystem = "xfs";' in mof
    assert "class Cli_Fixed : Cli_Disk" in owmi.run("describe", "Cli_Fixed").stdout


def test_errors_have_wmi_codes(owmi):
    proc = owmi.run("query", "SELECT * FROM", check=False)
    assert proc.returncode == 1
    assert "0x80041017 WBEM_E_INVALID_QUERY" in proc.stderr
    proc = owmi.run("query", "SELECT * FROM Nowhere", check=False)
    assert proc.returncode == 1
    assert "0x80041010 WBEM_E_INVALID_CLASS" in proc.stderr
    proc = owmi.run("get", "Nowhere.Key=1", check=False)
    assert proc.returncode == 1
    assert "WBEM_E_" in proc.stderr
    proc = owmi.run("-n", "root/nowhere", "enum", "X", check=False)
    assert "0x8004100E WBEM_E_INVALID_NAMESPACE" in proc.stderr
    assert owmi.run("frobnicate", check=False).returncode == 2


def test_provider_call_and_associators(sample):
    out = json.loads(sample.run("call", "-f", "json", 'Sample_Counter.Name="beta"',
                                "Increment", "By=7").stdout)
    assert out == [{"__CLASS": "__PARAMETERS", "__PATH": None, "ReturnValue": 27,
                    "Previous": 20}]
    rows = json.loads(sample.run("query", "-f", "json",
                                 "ASSOCIATORS OF {Sample_Counter.Name='beta'}").stdout)
    assert sorted(r["Name"] for r in rows) == ["alpha", "gamma"]
    proc = sample.run("call", "Sample_Counter", "Increment", check=False)
    assert proc.returncode == 1
    assert "WBEM_E_INVALID_METHOD_PARAMETERS" in proc.stderr
    proc = sample.run("call", 'Sample_Counter.Name="beta"', "Increment", "Nope=1", check=False)
    assert "0x8004102F" in proc.stderr


def _effective_capabilities():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return 0


def test_call_needs_enabled_privilege(sample):
    # Profile's Privileges qualifier names SeSystemProfilePrivilege
    # (CAP_PERFMON or CAP_SYS_ADMIN): not enabled, it is refused whoever asks
    proc = sample.run("call", "Sample_Counter", "Profile", check=False)
    assert proc.returncode == 1
    assert "0x80041062 WBEM_E_PRIVILEGE_NOT_HELD" in proc.stderr
    assert "enable" in proc.stderr
    proc = sample.run("-P", "SystemProfile", "call", "-f", "json", "Sample_Counter", "Profile",
                      check=False)
    caps = _effective_capabilities()
    if caps & ((1 << 38) | (1 << 21)):
        assert proc.returncode == 0, proc.stderr
        assert "ChecksumsComputed" in json.loads(proc.stdout)[0]
    else:
        assert "does not hold" in proc.stderr
    assert sample.run("-P", "NoSuchThing", "call", "Sample_Counter", "Profile",
                      check=False).returncode == 2
