"""Fixtures for the integration tests: the real owmi binary from a build
directory (OWMI_BUILD, default ./build) on a fresh repository file."""
import os
import pathlib
import subprocess

import pytest

TOP = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("OWMI_BUILD", TOP / "build")).resolve()


class Owmi:
    def __init__(self, repository: pathlib.Path):
        self.repository = repository
        self.env = dict(os.environ, OWMI_PROVIDER_DIR=str(BUILD / "providers"))

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(BUILD / "src" / "owmi"), "--repository",
                               str(self.repository), *args],
                              capture_output=True, text=True, env=self.env, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"owmi {' '.join(args)} failed ({proc.returncode}):\n"
                                 f"{proc.stdout}{proc.stderr}")
        return proc


@pytest.fixture
def owmi(tmp_path):
    return Owmi(tmp_path / "repository.db")


@pytest.fixture
def sample(owmi):
    """A repository holding the sample provider's classes."""
    owmi.run("mof", "compile", str(TOP / "providers" / "sample" / "sample.mof"))
    return owmi
