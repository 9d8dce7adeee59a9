from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "dkp.ops"
    label = "ops"
    verbose_name = "Operations"
