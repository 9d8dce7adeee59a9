"""The Discord bot (``python manage.py runbot``): slash commands, auction posts and buttons over the services.

An installed app, so this package is imported while Django loads its apps: it imports nothing itself.
The bot is ``dkp.bot.core.create_bot``; the commands are in the modules beside it.
"""
