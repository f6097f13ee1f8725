"""Runs an installer and shows what it is doing, and for how long, in a few lines.

    python scripts/progress.py "WHAT" -- COMMAND ...

pip and npm are either silent for a minute (--quiet) or print hundreds of lines; this prints
the package being fetched or installed, with the seconds so far, a "still working" line when
the installer is quiet for a while, and the installer's whole output only if it fails.
Standard library only: it runs before .venv exists.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time

SHOWN = (
    (re.compile(r"^Collecting (\S+)"), "fetching {0}"),
    (re.compile(r"^Building wheel for (\S+)"), "building {0}"),
    (re.compile(r"^Installing collected packages: (.*)"), "installing {n} packages"),
    (re.compile(r"^Successfully installed (.*)"), "installed {n} packages"),
    (re.compile(r"^added (\d+) packages?"), "added {0} Node packages"),
)
QUIET_SECONDS = 10.0


def main(argv: list[str]) -> int:
    what, command = argv[0], argv[argv.index("--") + 1 :]
    started = time.monotonic()
    last = [started]
    lock = threading.Lock()

    def say(text: str) -> None:
        with lock:
            print(f"  [{time.monotonic() - started:4.0f}s] {text}", flush=True)
            last[0] = time.monotonic()

    say(f"{what} (first run only)")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = threading.Event()

    def heartbeat() -> None:
        while not done.wait(1.0):
            if time.monotonic() - last[0] >= QUIET_SECONDS:
                say("still working …")

    threading.Thread(target=heartbeat, daemon=True).start()
    output: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        for pattern, template in SHOWN:
            match = pattern.match(line.strip())
            if match:
                names = match.group(1).split() if match.groups() else []
                say(template.format(*match.groups(), n=len(names)))
                break
    code = process.wait()
    done.set()
    if code:
        sys.stdout.write("".join(output[-60:]))
        say(f"{what}: failed (exit {code}); the installer's last lines are above")
        return code
    say(f"{what}: done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
