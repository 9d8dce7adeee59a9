"""Production: refuses to start with a placeholder secret, with DEBUG on, or in demo mode; HTTPS only.

The app runs behind a proxy that ends TLS (deploy/Caddyfile) and says so in a forwarded header.
Every value below can be changed by an environment variable; docs/operations.md, "Security settings".
"""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import DEBUG, DKP_DEMO, PLACEHOLDER_SECRET_KEY, SECRET_KEY, env

if not SECRET_KEY or SECRET_KEY == PLACEHOLDER_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 32 characters in production.")
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")
if DKP_DEMO:
    raise ImproperlyConfigured("DKP_DEMO (the demo sign-in) cannot be on in production.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True

# The throttles count the address the proxy saw: the last one in X-Forwarded-For behind one proxy.
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": env.int("API_NUM_PROXIES", default=1)}  # noqa: F405


def _proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """The proxy's header that marks an HTTPS visit ("X-Forwarded-Proto") as Django names it."""
    if not name:
        return None
    return ("HTTP_" + name.strip().upper().replace("-", "_"), "https")


# Which request header, set by the proxy, says the visit came over HTTPS. Caddy sets
# X-Forwarded-Proto (and replaces one sent by the client). Empty: no proxy is trusted, and only
# a TLS connection to the app itself counts as HTTPS.
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env.str("SECURE_PROXY_SSL_HEADER", default="X-Forwarded-Proto"))
# A visit over plain HTTP is sent to the same address over HTTPS (301).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Paths (regular expressions, no leading slash) still answered over plain HTTP, e.g. a health check
# a load balancer makes on the machine itself.
SECURE_REDIRECT_EXEMPT = env.list("SECURE_REDIRECT_EXEMPT", default=[])

# HTTP Strict Transport Security: browsers use HTTPS only, for this long (seconds; a year by
# default, 0 turns the header off while trying HTTPS out).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
