"""Development and demo: DEBUG on and the demo sign-in available unless turned off."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DEBUG", default=True)
DKP_DEMO = env.bool("DKP_DEMO", default=True)
