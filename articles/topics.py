"""Topics (话题): taggit tags as public pages show them."""

from typing import NamedTuple

from django.urls import reverse
from taggit.models import Tag

from unionnews.slugs import pinyin_slug


class TopicLink(NamedTuple):
    """A topic as a public page shows it: name, URL and story count."""

    name: str
    url: str
    count: int = 0


def topic_slug(tag: Tag) -> str:
    """The readable part of a topic URL: the pinyin of its name (taggit's own slug of a
    Chinese name is Chinese, or empty for a name with no letters), ``"-"`` if there is none."""
    return pinyin_slug(tag.name) or "-"


def topic_url(tag: Tag) -> str:
    """The public URL of a topic, ``/topics/<id>-<pinyin>/``: stable by id, like the others."""
    return reverse("articles:topic_detail", args=[tag.pk, topic_slug(tag)])
