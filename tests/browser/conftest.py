"""Browser tests drive Debian's chromium through Playwright; no browser is ever downloaded.

Without /usr/bin/chromium they are skipped with a visible reason, except in CI (CI=true), where a
missing browser fails the run instead of hiding the tests.
"""

import os
from pathlib import Path

import pytest

from tests.helpers.browser import ARTIFACTS
from tests.helpers.host_site import HostSite

CHROMIUM = Path(os.environ.get("FORMSCORE_CHROMIUM", "/usr/bin/chromium"))


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI needs {CHROMIUM} for the browser tests; .ci/run installs it.")
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM}: apt-get install -y chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def host_site():
    site = HostSite()
    site.thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()
