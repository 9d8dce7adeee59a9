"""The Discord bot (``python manage.py runbot``): slash commands, auction posts and buttons over the services."""

from dkp.bot.core import DkpBot, create_bot

__all__ = ["DkpBot", "create_bot"]
