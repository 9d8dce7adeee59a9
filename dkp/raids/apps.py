from django.apps import AppConfig


class RaidsConfig(AppConfig):
    name = "dkp.raids"
    label = "raids"
