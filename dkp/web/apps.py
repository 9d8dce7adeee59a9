from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dkp.web"
    label = "web"
