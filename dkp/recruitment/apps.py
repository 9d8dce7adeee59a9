from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "dkp.recruitment"
    label = "recruitment"
