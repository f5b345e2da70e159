"""A real headless browser for the tests: Playwright driving Debian's Chromium.

Chromium comes from Debian's package (Playwright's own browser download cannot work here); when
it is missing and the tests run as root with apt-get, it is installed once. Without it the
browser tests are skipped, with the reason.
"""

import os
import shutil
import subprocess

import pytest

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path:
        return path
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
        if subprocess.run(cmd, capture_output=True, env=env).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
            subprocess.run(cmd, capture_output=True, env=env)
        path = shutil.which("chromium")
        if path:
            return path
    pytest.skip("Chromium is not installed and could not be installed with apt-get (package 'chromium')")


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = chromium_path()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()
