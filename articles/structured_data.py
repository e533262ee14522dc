"""What a story page tells machines: schema.org ``NewsArticle`` JSON-LD and the Open Graph
image (DESIGN.md, "Public site")."""

import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from unionnews.web import SITE_NAME

_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data: dict) -> SafeString:
    """``data`` as JSON safe to place inside ``<script type="application/ld+json">``.

    Like Django's ``json_script`` filter (which can only write ``type="application/json"``):
    ``<``, ``>`` and ``&`` are escaped as ``\\u003C`` etc., so a headline containing
    ``</script>`` cannot close the element.
    """
    text = json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder)
    return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))


def iso(moment: datetime | None) -> str:
    """``2023-07-15T10:00:00+08:00``: local time, whole seconds, as schema.org and OG expect;
    now for a story not published yet (a desk preview)."""
    moment = moment or timezone.now()
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def og_image(request, photo) -> dict | None:
    """The lead photo for ``og:image``: its largest rendition (else the stored image) as an
    absolute URL, with width, height and alt text; ``None`` without a photo."""
    if photo is None:
        return None
    biggest = photo.sources().get("largest")
    return {
        "url": request.build_absolute_uri(biggest.file.url if biggest else photo.image.url),
        "width": biggest.width if biggest else photo.width,
        "height": biggest.height if biggest else photo.height,
        "alt": photo.alt_text,
    }


def news_article(request, article, *, bylines, topics, corrections, image) -> dict:
    """The story as a schema.org ``NewsArticle``; empty values are left out."""
    canonical_url = request.build_absolute_uri(article.get_absolute_url())
    authors = {}
    for byline in bylines:  # one Person per reporter, even with a text and a photo credit
        authors.setdefault(
            byline.reporter.pk,
            {
                "@type": "Person",
                "name": byline.reporter.name,
                "jobTitle": byline.title,
                "url": request.build_absolute_uri(byline.reporter.get_absolute_url()),
            },
        )
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "alternativeHeadline": article.title_text if article.title_text != article.headline else "",
        "datePublished": iso(article.publish_at),
        "dateModified": iso(article.updated_at),
        "inLanguage": "zh-CN",
        "url": canonical_url,
        "mainEntityOfPage": canonical_url,
        "author": list(authors.values()),
        "publisher": {
            "@type": "Organization",
            "name": SITE_NAME,
            "url": request.build_absolute_uri(reverse("articles:home")),
        },
        "articleSection": article.column.name if article.column else "",
        "image": [image["url"]] if image else [],
        "keywords": [topic.name for topic in topics],
        "correction": [
            {
                "@type": "CorrectionComment",
                "text": correction.text,
                "datePublished": iso(correction.published_at),
            }
            for correction in corrections
        ],
    }
    return {key: value for key, value in data.items() if value not in ("", [])}
