"""Production: refuses to start with a placeholder secret, with DEBUG on, or in demo mode."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import DEBUG, DKP_DEMO, PLACEHOLDER_SECRET_KEY, SECRET_KEY

if not SECRET_KEY or SECRET_KEY == PLACEHOLDER_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 32 characters in production.")
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")
if DKP_DEMO:
    raise ImproperlyConfigured("DKP_DEMO (the demo sign-in) cannot be on in production.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
