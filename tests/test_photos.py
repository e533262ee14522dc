"""Photos (issue 5): upload in the admin, bad uploads refused with nothing stored, renditions
made once, 待配图 holding back a story, and the published photo on the public site."""

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles import photos, roles, services
from articles.models import Article, Photo, Rendition
from articles.services import TransitionNotAllowed
from tests import factories
from tests.test_workflow_admin import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads land in a fresh folder, so that "nothing stored" can be checked on disk."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()]


def image_bytes(width=2000, height=1000, fmt="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, fmt)
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side=30000) -> bytes:
    """A real, complete ``side``×``side`` PNG (1-bit grey, all black): a few hundred KB on disk,
    ``side``² pixels once decoded."""
    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + (side + 7) // 8)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


@pytest.fixture
def desk():
    reporter = factories.make_reporter("于佳")
    reporter.user = factories.make_user("yujia", groups=[roles.REPORTER], is_staff=True)
    reporter.save()
    return {
        "reporter": reporter,
        "reporter_user": reporter.user,
        "editor": factories.make_user("editor", groups=[roles.EDITOR], is_staff=True),
    }


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def post_photos(client, article, files: list, **extra):
    """The story's change form as the reporter's browser posts it, with ``files`` as new
    photo rows (each with alt text)."""
    data = form_data(client.get(change_url(article)))
    data["photos-TOTAL_FORMS"] = str(len(files))
    for i, file in enumerate(files):
        data[f"photos-{i}-image"] = file
        data[f"photos-{i}-alt_text"] = f"第{i + 1}张图的画面描述"
        data[f"photos-{i}-order"] = str(i)
    data.update(extra)
    return client.post(change_url(article), data)


# -- upload in the admin ----------------------------------------------------------------------


def test_reporter_attaches_a_photo_to_own_story_with_its_renditions(client, desk, media_root):
    story = factories.make_article(
        "夏送清凉进工地",
        bylines=[(desk["reporter"], "记者", "photo")],
        created_by=desk["reporter_user"],
    )
    client.force_login(desk["reporter_user"])

    response = post_photos(client, story, [upload(image_bytes(), "工地.JPG")])

    assert response.status_code == 302, response.content.decode()[:2000]
    photo = story.photos.get()
    assert (photo.width, photo.height) == (2000, 1000)
    assert photo.image.name.endswith(".jpg") and photo.uploaded_by == desk["reporter_user"]
    sizes = sorted((r.format, r.width, r.height) for r in photo.renditions.all())
    assert sizes == [
        ("jpeg", 480, 240),
        ("jpeg", 960, 480),
        ("jpeg", 1600, 800),
        ("webp", 480, 240),
        ("webp", 960, 480),
        ("webp", 1600, 800),
    ]
    for rendition in photo.renditions.all():
        with Image.open(rendition.file.path) as made:
            assert made.format == rendition.format.upper()
            assert made.size == (rendition.width, rendition.height)


BAD_UPLOADS = {
    "not an image": (
        b"%PDF-1.7 minutes of the union meeting",
        "会议纪要.pdf",
        "只接受 JPEG、PNG、WebP",
    ),
    "html named .jpg": (
        b"<html><script>alert(1)</script></html>",
        "photo.jpg",
        "只接受 JPEG、PNG、WebP",
    ),
    "gif": (image_bytes(40, 40, "GIF"), "动图.gif", "只接受 JPEG、PNG、WebP"),
    "bomb": (None, "巨图.png", "30000×30000"),
    "oversize": (b"\xff\xd8\xff" + b"\0" * (21 * 1024 * 1024), "大图.jpg", "MB"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_a_bad_upload_is_refused_with_a_message_and_nothing_is_stored(
    client, desk, media_root, case
):
    data, name, said = BAD_UPLOADS[case]
    data = png_bomb() if data is None else data
    story = factories.make_article("原标题", created_by=desk["reporter_user"])
    client.force_login(desk["reporter_user"])

    response = post_photos(client, story, [upload(data, name)], headline="新标题")

    assert response.status_code == 200
    page = response.content.decode()
    errors = " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S))
    assert said in errors and name in errors
    assert 'value="新标题"' in page  # what was typed is still in the form
    assert not Photo.objects.exists() and not stored_files(media_root)
    story.refresh_from_db()
    assert story.headline == "原标题"


def test_too_many_photos_are_refused_with_a_message(client, desk, media_root):
    story = factories.make_article(created_by=desk["reporter_user"])
    client.force_login(desk["reporter_user"])
    files = [upload(image_bytes(64, 32), f"{i}.jpg") for i in range(13)]

    response = post_photos(client, story, files)

    assert response.status_code == 200
    assert "最多 12 张" in response.content.decode()
    assert not Photo.objects.exists() and not stored_files(media_root)


def test_more_files_than_a_request_may_carry_get_the_explaining_page(client, desk, media_root):
    story = factories.make_article(created_by=desk["reporter_user"])
    client.force_login(desk["reporter_user"])
    files = [upload(image_bytes(8, 8), f"{i}.jpg") for i in range(31)]

    response = post_photos(client, story, files)

    assert response.status_code == 400
    assert "一次上传的文件太多" in response.content.decode()
    assert not Photo.objects.exists() and not stored_files(media_root)


def errors_of(page: str) -> list[str]:
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)


def test_one_saves_uploads_over_the_pixel_budget_are_refused_before_any_is_decoded(
    client, desk, media_root
):
    # Four real 6500×6500 PNGs, 42 megapixels each: each within the 50-megapixel limit,
    # 169 megapixels together, over the 150 a save may bring.
    story = factories.make_article("原标题", created_by=desk["reporter_user"])
    client.force_login(desk["reporter_user"])
    files = [upload(png_bomb(6500), f"大图{i}.png", "image/png") for i in range(4)]

    response = post_photos(client, story, files, headline="新标题")

    assert response.status_code == 200
    page = response.content.decode()
    refused = [e for e in errors_of(page) if "超过每次保存 15000 万像素的上限" in e]
    assert len(refused) == 4 and "这次保存的图片共 16900 万像素" in refused[0]
    assert 'value="新标题"' in page
    assert not Photo.objects.exists() and not stored_files(media_root)


def test_uploads_within_the_pixel_budget_are_kept(client, desk, media_root, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS_PER_SAVE", 5_000_000)
    story = factories.make_article(created_by=desk["reporter_user"])
    client.force_login(desk["reporter_user"])
    over = [upload(image_bytes(2000, 1000), f"{i}.jpg") for i in range(3)]
    assert "超过每次保存 500 万像素的上限" in post_photos(client, story, over).content.decode()
    within = [upload(image_bytes(2000, 1000), f"{i}.jpg") for i in range(2)]
    assert post_photos(client, story, within).status_code == 302
    assert story.photos.count() == 2


def test_a_save_killed_while_cutting_renditions_leaves_no_file(
    client, desk, media_root, monkeypatch
):
    """gunicorn ends a worker past its timeout by raising SystemExit in it (its SIGABRT
    handler): the save is then cut short between two photos, as here."""
    real, calls = photos.make_renditions, []

    def killed_at_the_third(source, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise SystemExit(1)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(photos, "make_renditions", killed_at_the_third)
    story = factories.make_article(created_by=desk["reporter_user"])
    client.force_login(desk["reporter_user"])
    files = [upload(image_bytes(2000, 1000), f"{i}.jpg") for i in range(3)]

    with pytest.raises(SystemExit):
        post_photos(client, story, files)

    assert len(calls) == 3
    assert not Photo.objects.exists() and not stored_files(media_root)


def test_a_save_ended_after_its_photos_are_stored_but_before_commit_leaves_no_file(
    client, desk, media_root, monkeypatch
):
    """The worker may also be ended once the photos are stored, before the save commits."""
    from articles.admin.story import ArticleAdmin

    def ended(*args, **kwargs):
        raise SystemExit(1)

    monkeypatch.setattr(ArticleAdmin, "response_change", ended)
    story = factories.make_article(created_by=desk["reporter_user"])
    client.force_login(desk["reporter_user"])

    with pytest.raises(SystemExit):
        post_photos(client, story, [upload(image_bytes(2000, 1000), "a.jpg")])

    assert not Photo.objects.exists() and not stored_files(media_root)


def test_a_reporter_cannot_add_photos_to_a_story_under_review(desk):
    story = factories.make_article(
        created_by=desk["reporter_user"], status=Article.Status.SUBMITTED
    )
    with pytest.raises(TransitionNotAllowed):
        services.photo_add(article=story, upload=upload(image_bytes()), user=desk["reporter_user"])
    assert not Photo.objects.exists()


# -- renditions -----------------------------------------------------------------------------------


def test_renditions_are_made_once_and_never_upscaled(desk, media_root):
    story = factories.make_article(created_by=desk["reporter_user"])
    small = services.photo_add(
        article=story, upload=upload(image_bytes(700, 350)), user=desk["editor"], alt_text="小图"
    )
    assert sorted((r.format, r.width) for r in small.renditions.all()) == [
        ("jpeg", 480),
        ("jpeg", 700),
        ("webp", 480),
        ("webp", 700),
    ]
    files_before = sorted(stored_files(media_root))
    assert services.photo_make_renditions(small) == []
    assert sorted(stored_files(media_root)) == files_before
    assert Rendition.objects.filter(photo=small).count() == 4


def test_exif_orientation_is_applied_before_the_photo_is_stored(desk):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    Image.new("RGB", (400, 200), "white").save(out, "JPEG", exif=exif.tobytes())
    story = factories.make_article(created_by=desk["reporter_user"])
    photo = services.photo_add(article=story, upload=upload(out.getvalue()), user=desk["editor"])
    assert (photo.width, photo.height) == (200, 400)
    with Image.open(photo.image.path) as stored:
        assert stored.size == (200, 400) and stored.getexif().get(0x0112) in (None, 1)


# -- 待配图: a story does not go out without its photo --------------------------------------


def test_a_photo_story_without_its_photo_is_flagged_and_cannot_be_published(client, desk):
    story = factories.make_article(
        "清凉关爱 送进工地",
        kind=Article.Kind.PHOTO,
        status=Article.Status.APPROVED,
        bylines=[(desk["reporter"], "记者", "photo")],
    )
    assert list(Article.objects.photo_missing()) == [story]
    with pytest.raises(TransitionNotAllowed, match="待配图"):
        services.article_publish(article=story, user=desk["editor"])

    client.force_login(desk["editor"])
    listing = client.get(reverse("admin:articles_article_changelist"), {"photo": "missing"})
    assert "待配图" in listing.content.decode() and "清凉关爱 送进工地" in listing.content.decode()

    photo = services.photo_add(article=story, upload=upload(image_bytes()), user=desk["editor"])
    assert not Article.objects.photo_missing().exists()
    with pytest.raises(TransitionNotAllowed, match="替代文字"):
        services.article_publish(article=story, user=desk["editor"])
    photo.alt_text = "工会干部为建筑工人送上清凉饮品"
    photo.save()
    services.article_publish(article=story, user=desk["editor"])
    story.refresh_from_db()
    assert story.is_public


def test_the_editor_may_waive_the_photo(desk):
    story = factories.make_article(
        status=Article.Status.APPROVED, bylines=[(desk["reporter"], "记者", "photo")]
    )
    with pytest.raises(TransitionNotAllowed):
        services.article_waive_photo(article=story, user=desk["reporter_user"])
    services.article_waive_photo(article=story, user=desk["editor"], comment="图片未到")
    services.article_publish(article=story, user=desk["editor"])
    story.refresh_from_db()
    assert story.is_public and not Article.objects.photo_missing().exists()


def test_imported_photo_stories_are_flagged_photo_missing():
    from organizations.services import directory_load

    directory_load()
    services.import_files(sorted(Path("fixtures/pages").glob("*.txt")))
    flagged = Article.objects.photo_missing()
    assert (
        flagged.filter(kind=Article.Kind.PHOTO).count()
        == Article.objects.filter(kind=Article.Kind.PHOTO).count()
        > 0
    )
    credited = Article.objects.filter(bylines__contribution="photo").distinct()
    assert set(flagged) == set(Article.objects.filter(kind=Article.Kind.PHOTO)) | set(credited)


# -- readers ----------------------------------------------------------------------------------


@pytest.fixture
def published_photo_story(desk):
    event = factories.make_event("夏送清凉")
    story = factories.make_article(
        "清凉关爱 送进工地",
        kind=Article.Kind.PHOTO,
        status=Article.Status.APPROVED,
        bylines=[(desk["reporter"], "记者", "photo")],
        events=[event],
    )
    photo = services.photo_add(
        article=story,
        upload=upload(image_bytes()),
        user=desk["editor"],
        alt_text="工会干部为建筑工人送上清凉饮品",
        caption="7月14日，市建筑工会走进工地。",
        credits=[(desk["reporter"], "记者")],
    )
    services.article_publish(article=story, user=desk["editor"])
    return {"story": story, "photo": photo, "event": event}


def test_a_published_photo_story_shows_its_photo_and_credit(client, published_photo_story):
    page = client.get(published_photo_story["story"].get_absolute_url()).content.decode()
    picture = re.search(r"<picture>.*?</picture>", page, re.S).group(0)
    assert re.search(
        r'<source type="image/webp" srcset="[^"]+480w, [^"]+960w, [^"]+1600w"', picture
    )
    img = re.search(r"<img [^>]+>", picture).group(0)
    assert 'width="960" height="480"' in img
    assert 'alt="工会干部为建筑工人送上清凉饮品"' in img
    assert "480w" in img and "1600w" in img
    assert "本报记者 于佳 摄影报道" in page
    assert "7月14日，市建筑工会走进工地。" in page
    og = re.search(r'<meta property="og:image" content="([^"]+)">', page).group(1)
    assert og.startswith("http://testserver/media/renditions/") and og.endswith("-1600.jpg")
    assert client.get(og.removeprefix("http://testserver")).status_code == 200


def test_lists_show_the_lead_photo_and_event_pages_a_gallery(client, published_photo_story):
    home = client.get(reverse("articles:home")).content.decode()
    assert 'class="article-item has-photo"' in home and 'loading="lazy"' in home
    event_page = client.get(published_photo_story["event"].get_absolute_url()).content.decode()
    gallery = event_page.split('id="gallery-heading"', 1)[1].split("</section>", 1)[0]
    assert 'alt="工会干部为建筑工人送上清凉饮品"' in gallery


def test_a_draft_photo_is_in_no_gallery(client, desk):
    event = factories.make_event("送温暖")
    factories.make_article("已发布的报道", published=True, events=[event])
    draft = factories.make_article("草稿", events=[event], created_by=desk["reporter_user"])
    services.photo_add(
        article=draft, upload=upload(image_bytes()), user=desk["editor"], alt_text="草稿里的图"
    )
    page = client.get(event.get_absolute_url()).content.decode()
    assert "草稿里的图" not in page and 'id="gallery-heading"' not in page
