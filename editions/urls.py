"""The digital paper's URLs (数字报): /epaper/, /epaper/2023-07-15/, /epaper/2023-07-15/3/."""

from datetime import date

from django.urls import path, register_converter

from . import views
from .feeds import EditionFeed


class DayConverter:
    """A date as 2023-07-15; a string that is not a real date does not match (a 404)."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(value) from exc

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


register_converter(DayConverter, "day")

app_name = "editions"
urlpatterns = [
    path("", views.latest, name="latest"),
    path("feed/rss/", EditionFeed(), name="feed_rss"),
    path("<day:day>/", views.edition_detail, name="edition"),
    path("<day:day>/<int:number>/", views.page_detail, name="page"),
    path("<day:day>/<int:number>/<slug:stem>.jpg", views.page_image, name="page_image"),
]
