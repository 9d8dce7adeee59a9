from django.apps import AppConfig


class DiscordConfig(AppConfig):
    name = "dkp.discord"
    label = "discord_sync"
    verbose_name = "Discord"
