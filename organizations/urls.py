"""Public URLs of the union directory (mounted at ``unions/``)."""

from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("", views.union_list, name="union_list"),
    path("<int:pk>-<str:slug>/", views.union_detail, name="union_detail"),
]
