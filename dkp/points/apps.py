from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "dkp.points"
    label = "points"
