"""The HTTPS example in docs/discord-setup.md works: deploy/Caddyfile, run by a real Caddy, serves the app.

The example is adapted for loopback only where it must be: the guild's address becomes
``localhost`` on a free port with Caddy's own certificate authority (``tls internal``) instead of
Let's Encrypt, the upstream becomes the test's live server, and the static folder a temporary one.
Everything else (the static route, the proxying, the forwarded scheme) is the example's.

Skipped where there is no ``caddy`` binary (``apt-get install caddy``), unless ``TEST_CADDY=yes``
(CI, ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings

EXAMPLE = Path(django_settings.BASE_DIR) / "deploy" / "Caddyfile"
STARTUP_SECONDS = 30


def _caddy_binary() -> str:
    binary = shutil.which("caddy")
    if binary is None:
        if os.environ.get("TEST_CADDY", "auto") == "yes":
            pytest.fail("TEST_CADDY=yes but no caddy in PATH")
        pytest.skip("no caddy in PATH (CI installs it; apt-get install caddy)")
    return binary


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def loopback_caddyfile(example: str, *, https_port: int, http_port: int, upstream: str, static_root: Path) -> str:
    """The example with the guild's address, the app's port and the static folder swapped for the test's."""
    site = re.search(r"^(\S+\.\S+) \{$", example, flags=re.MULTILINE)
    assert site is not None, "the example names the guild's address on a line of its own"
    assert "reverse_proxy 127.0.0.1:8000" in example
    assert "root * /srv/eq-dkp/var/static" in example
    adapted = (
        example.replace(site.group(0), f"https://localhost:{https_port} {{\n\ttls internal")
        .replace("reverse_proxy 127.0.0.1:8000", f"reverse_proxy {upstream}")
        .replace("root * /srv/eq-dkp/var/static", f"root * {static_root}")
    )
    # No admin endpoint, no redirect listener on port 80, nothing put into the machine's trust store.
    options = f"{{\n\tadmin off\n\thttp_port {http_port}\n\tauto_https disable_redirects\n\tskip_install_trust\n}}\n\n"
    return options + adapted


def _wait_for_port(port: int, caddy: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if caddy.poll() is not None:
            pytest.fail(f"caddy exited with {caddy.returncode}:\n{log.read_text()}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"caddy did not listen on {port} within {STARTUP_SECONDS}s:\n{log.read_text()}")


def _fetch(url: str, context: ssl.SSLContext | None = None) -> tuple[int, dict[str, str], str]:
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirects())
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, dict(answer.headers), answer.read().decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_the_example_caddyfile_serves_the_app_and_its_static_files_over_https(
    live_server, settings, tmp_path: Path
) -> None:
    caddy_binary = _caddy_binary()
    # As in production: the app trusts the proxy's X-Forwarded-Proto.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

    static_root = tmp_path / "static"
    (static_root / "web").mkdir(parents=True)
    (static_root / "web" / "probe.css").write_text("body { color: #123456; }\n")
    https_port, http_port = _free_loopback_port(), _free_loopback_port()
    upstream = live_server.url.removeprefix("http://")
    config = tmp_path / "Caddyfile"
    config.write_text(
        loopback_caddyfile(
            EXAMPLE.read_text(), https_port=https_port, http_port=http_port, upstream=upstream, static_root=static_root
        )
    )
    home = tmp_path / "home"  # Caddy keeps its certificate authority and certificates under here
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "cfg")}
    log = tmp_path / "caddy.log"
    with log.open("wb") as log_file:
        caddy = subprocess.Popen(
            [caddy_binary, "run", "--config", str(config), "--adapter", "caddyfile"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(https_port, caddy, log)
        # The certificate is checked against Caddy's own root, as a browser checks Let's Encrypt's.
        root = home / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        deadline = time.monotonic() + STARTUP_SECONDS
        while not root.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        context = ssl.create_default_context(cafile=str(root))

        status, _, page = _fetch(f"https://localhost:{https_port}/sign-in/", context)
        assert status == 200, page[:500]
        assert "Sign in" in page
        status, headers, css = _fetch(f"https://localhost:{https_port}/static/web/probe.css", context)
        assert (status, css) == (200, "body { color: #123456; }\n")
        assert headers["Content-Type"].startswith("text/css")
    finally:
        caddy.terminate()
        try:
            caddy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            caddy.kill()
            caddy.wait()
