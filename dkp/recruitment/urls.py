"""Recruitment pages, under /applications/."""

from django.urls import path

from dkp.recruitment import views

app_name = "recruitment"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("apply/", views.apply, name="apply"),
    path("mine/", views.mine, name="mine"),
    path("<id:application_id>/", views.detail, name="detail"),
    path("<id:application_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<id:application_id>/vote/", views.vote, name="vote"),
    path("<id:application_id>/comments/", views.comment, name="comment"),
    path("<id:application_id>/comments/<id:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("<id:application_id>/move/", views.move, name="move"),
]
