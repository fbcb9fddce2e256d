"""`make htmlcheck`: the Nu HTML checker (npm's vnu-jar, run with the machine's Java) on the
home, a section and an article page of a production-like server; fails on any error
(warnings are printed, not counted)."""

import shutil
import subprocess
import sys

from .pages import fetch, reader_pages
from .server import REPO, demo_server

VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def main() -> int:
    java = shutil.which("java")
    if java is None:
        sys.exit(
            "htmlcheck needs Java (17 or newer) on PATH: apt-get install -y default-jre-headless"
        )
    if not VNU_JAR.exists():
        sys.exit(f"{VNU_JAR} is missing: run `npm ci` (make htmlcheck does)")
    with demo_server("htmlcheck") as (server, workdir):
        files = []
        for name, url in reader_pages(server).items():
            path = workdir / f"{name}.html"
            path.write_text(fetch(url), encoding="utf-8")
            files.append(path)
            print(f"{name:<8} {url}")
        result = subprocess.run(
            [java, "-jar", str(VNU_JAR), "--format", "gnu", *map(str, files)],
            capture_output=True,
            text=True,
            check=False,
        )
    messages = (result.stdout + result.stderr).strip()
    if messages:
        print(messages.replace(f"file:{workdir}/", "").replace(f"{workdir}/", ""))
    if result.returncode != 0:
        errors = sum(1 for line in messages.splitlines() if ": error:" in line)
        print(f"The Nu HTML checker found {errors} error(s)", file=sys.stderr)
        return 1
    print("The Nu HTML checker found no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
