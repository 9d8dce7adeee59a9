"""The Discord sign-in views and URLs allauth mounts for ``GuildDiscordProvider``."""
