"""Production settings pass a security review: `check --deploy` is clean and the answers carry the headers.

Each test starts a fresh interpreter on ``config.settings.production`` (as a server would), with only
the environment a guild sets (docs/operations.md, "Security settings"), a throwaway SQLite database,
and Django's test client speaking to the app as Caddy would (X-Forwarded-Proto).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROJECT_ROOT = Path(settings.BASE_DIR)
# 50 random characters: Django's deploy check wants at least 50 with 5 different ones.
A_PROPER_SECRET = "k3q9-Zr7vWm2xYp8LcN4tHb6JdF1sGa5Qe0Ui7Ko_Xy4Tn8Pv2"

# Runs inside the production interpreter: migrate an empty database, then print what was asked.
PROBE = r"""
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
answers = {}
client = Client()
for name, path, proto in json.loads(sys.argv[1]):
    response = client.get(path, headers={"X-Forwarded-Proto": proto})
    answers[name] = {"status": response.status_code, "headers": dict(response.headers)}
print(json.dumps(answers))
"""


def production(tmp_path: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "PYTEST_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": A_PROPER_SECRET,
            "DEBUG": "false",
            "DKP_DEMO": "false",
            "ALLOWED_HOSTS": "dkp.example-guild.org,testserver",
            "DKP_VAR_DIR": str(tmp_path / "var"),
        }
    )
    env.update(environment)
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def probe(tmp_path: Path, requests: list[tuple[str, str, str]], **environment: str) -> dict:
    result = production(tmp_path, "-c", PROBE, json.dumps(requests), **environment)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = production(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_answers_carry_hsts_referrer_policy_and_csp_and_send_http_to_https(tmp_path):
    answers = probe(
        tmp_path,
        [("https", "/sign-in/", "https"), ("http", "/sign-in/?next=/me/", "http")],
        SECURE_HSTS_SECONDS="600",
    )
    https = answers["https"]
    assert https["status"] == 200
    headers = https["headers"]
    # The length comes from the setting; subdomains and preload are on by default.
    assert headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains; preload"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "form-action 'self' https://discord.com" in csp

    # Over plain HTTP (the proxy says so), the visit is sent to HTTPS at the same address.
    http = answers["http"]
    assert http["status"] == 301
    assert http["headers"]["Location"] == "https://testserver/sign-in/?next=/me/"
    assert "Strict-Transport-Security" not in http["headers"]  # HSTS only ever comes over HTTPS


def test_hsts_is_a_year_with_subdomains_and_preload_unless_set_otherwise(tmp_path):
    code = (
        "import config.settings.production as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT)"
    )
    assert production(tmp_path, "-c", code).stdout.split() == ["31536000", "True", "True", "True"]
    changed = production(tmp_path, "-c", code, SECURE_HSTS_SECONDS="0", SECURE_HSTS_PRELOAD="false")
    assert changed.stdout.split() == ["0", "True", "False", "True"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("X-Forwarded-Proto", "('HTTP_X_FORWARDED_PROTO', 'https')"),  # Caddy's, the default
        ("X-Forwarded-Scheme", "('HTTP_X_FORWARDED_SCHEME', 'https')"),  # another proxy's
        ("", "None"),  # no proxy: only a TLS connection to the app itself counts as HTTPS
    ],
)
def test_the_proxy_ssl_header_is_a_setting_read_as_django_names_it(tmp_path, header, expected):
    code = "import config.settings.production as s; print(repr(s.SECURE_PROXY_SSL_HEADER))"
    result = production(tmp_path, "-c", code, SECURE_PROXY_SSL_HEADER=header)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(("set_to", "expected"), [(None, "1"), ("2", "2")])
def test_production_throttles_count_the_address_the_nearest_proxy_saw(tmp_path, set_to, expected):
    # deploy/Caddyfile replaces X-Forwarded-For with the address it saw, so behind one proxy the
    # last entry is the client's; a guild with two proxies says so.
    code = "import config.settings.production as s; print(s.REST_FRAMEWORK['NUM_PROXIES'])"
    extra = {} if set_to is None else {"API_NUM_PROXIES": set_to}
    result = production(tmp_path, "-c", code, **extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
