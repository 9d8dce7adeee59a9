from django.apps import AppConfig


class LootConfig(AppConfig):
    name = "dkp.loot"
    label = "loot"
