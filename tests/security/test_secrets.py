"""No credential in the repository: every tracked file is scanned for private keys, cloud and
service tokens, passwords in URLs and secrets written into settings. Secrets come from the
environment only (.env.example documents the names, with empty values)."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Placeholders that documentation may show where a password goes.
PLACEHOLDERS = re.compile(r"^(password|pass|secret|\*+|x+|\.\.\.|<[^>]+>|\$\{?\w+\}?)$", re.I)
# Development and test values that say what they are (Django's own "django-insecure-" prefix).
HARMLESS_VALUE = re.compile(r"django-insecure-|test|example|dummy|development-only", re.I)

PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(
        r"(?i)aws.{0,30}(?:secret|access).{0,30}[=:]\s*['\"]?[A-Za-z0-9/+]{40}\b"
    ),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe live key": re.compile(r"\b[rs]k_live_[0-9A-Za-z]{16,}"),
    "JSON web token": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[\w-]{10,}"),
}
URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:([^\s/@'\"]+)@")
ASSIGNED_SECRET = re.compile(
    r"""(?ix)\b[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|SECRET_KEY|API_KEY|TOKEN|ACCESS_KEY)\b
    \s*[:=]\s*['"]([^'"\s]{6,})['"]"""
)


def tracked_files() -> list[Path]:
    result = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
    )
    return [ROOT / name for name in result.stdout.decode().split("\0") if name]


def findings(text: str, *, name: str = "") -> list[str]:
    """What looks like a credential in `text`. Test code may hold throwaway passwords of the
    accounts it creates in its own test database; keys and tokens are looked for there too."""
    in_tests = name.startswith("tests/")
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{name}:{number}"
        for label, pattern in PATTERNS.items():
            if pattern.search(line):
                found.append(f"{where}: {label}")
        if in_tests:
            continue
        for match in URL_CREDENTIALS.finditer(line):
            if not PLACEHOLDERS.match(match.group(1)):
                found.append(f"{where}: password in a URL")
        for match in ASSIGNED_SECRET.finditer(line):
            if not HARMLESS_VALUE.search(match.group(1)):
                found.append(f"{where}: secret written into code or settings")
    return found


def test_no_tracked_file_holds_a_credential():
    files = tracked_files()
    assert len(files) > 100  # the whole checkout, not an empty listing
    found = []
    for path in files:
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:4096]:  # images and other binaries
            continue
        found += findings(data.decode("utf-8", "replace"), name=str(path.relative_to(ROOT)))
    assert found == []


def test_the_scanner_finds_each_kind_of_credential():
    # Built at run time, so this file does not trip the scan itself.
    samples = [
        "-----BEGIN RSA " + "PRIVATE KEY-----",
        "-----BEGIN OPENSSH " + "PRIVATE KEY-----",
        "AKIA" + "Q3EXAMPLEKEY7ABC",
        'aws_secret_access_key = "' + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz12345678" + '"',
        "token: gh" + "p_" + "a" * 36,
        "xox" + "b-1234567890-abcdefghij",
        "AI" + "za" + "B" * 35,
        "s" + "k_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
        "DATABASE_URL=postgres://newsroom:" + "hunter2hunter" + "@db:5432/newsroom",
        'DATABASES_PASSWORD = "' + "Tr0ub4dor&3x" + '"',
        "KMA_API_KEY = '" + "3f9a7c1e5b2d4f6a" + "'",
    ]
    for sample in samples:
        assert findings(sample), sample
        assert findings(sample, name="newsroom/settings/base.py"), sample


def test_keys_and_tokens_are_found_in_test_code_too():
    assert findings("-----BEGIN EC " + "PRIVATE KEY-----", name="tests/x/test_y.py")
    assert findings('password="' + "fixture-password" + '"', name="tests/x/test_y.py") == []


def test_the_scanner_lets_placeholders_and_environment_reads_pass():
    harmless = [
        "# DATABASE_URL=postgres://newsroom:password@127.0.0.1:5432/newsroom",
        'SECRET_KEY = env_str("DJANGO_SECRET_KEY")',
        'SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"',
        "# DJANGO_SECRET_KEY=",
        "redis://127.0.0.1:6379/0",
    ]
    for line in harmless:
        assert findings(line) == [], line
