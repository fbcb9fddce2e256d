"""The lock files: every package pinned with its hashes, and every pin of pyproject.toml in them
at the same version (so `make install`, which installs with --require-hashes, gets what
pyproject.toml says)."""

import re
import tomllib
from pathlib import Path

import pytest

from tests.newsroom.conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of a pip-compile lock file."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = _normal(match.group(1))
            pins[current] = (match.group(3), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif not line.startswith(" "):
            current = None
    return pins


def _declared() -> dict[str, list[tuple[str, str]]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = {"requirements.lock": project["dependencies"]}
    groups["requirements-dev.lock"] = (
        project["dependencies"] + project["optional-dependencies"]["dev"]
    )
    declared = {}
    for lock, requirements in groups.items():
        pins = []
        for requirement in requirements:
            match = PIN.match(requirement)
            assert match, f"pyproject.toml: {requirement!r} is not pinned with =="
            pins.append((_normal(match.group(1)), match.group(3)))
        declared[lock] = pins
    return declared


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_package_carries_its_hashes(lock):
    pins = _locked(ROOT / lock)
    assert pins, f"{lock} lists no package"
    unhashed = sorted(name for name, (_, hashes) in pins.items() if hashes == 0)
    assert unhashed == [], f"{lock}: no hash for {unhashed} (run `make lock`)"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_the_lock_holds_every_pin_of_pyproject_at_its_version(lock):
    pins = _locked(ROOT / lock)
    for name, version in _declared()[lock]:
        assert name in pins, f"{name} is in pyproject.toml but not in {lock} (run `make lock`)"
        assert pins[name][0] == version, f"{lock} has {name}=={pins[name][0]}, not {version}"


def test_make_install_requires_the_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in makefile
