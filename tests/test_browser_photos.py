"""Issue 5's acceptance in a real browser (Debian's Chromium): the reporter attaches two photos
to a story; one is a 30000×30000 PNG, refused with a clear message while the site keeps
answering; the other, once the story is published, shows at the size each screen needs.
"""

import pytest

from articles import roles, services
from articles.models import Article, Photo
from articles.roles import sync_roles
from conftest import ARTIFACTS_DIR

from .factories import make_article, make_reporter, make_user
from .test_browser_workflow import log_in
from .test_photos import image_bytes, png_bomb

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def story(live_server):
    sync_roles()  # a transactional test starts from an emptied database
    user = make_user("reporter", groups=[roles.REPORTER], is_staff=True)
    reporter = make_reporter("于佳", user=user)
    article = make_article(
        "夏送清凉进工地",
        body="本市工会为一线建筑工人送去清凉。\n工人们表示感谢。",
        dateline="本报讯",
        bylines=[(reporter, "记者", "text"), (reporter, "记者", "photo")],
        created_by=user,
    )
    return live_server.url, article


def test_reporter_attaches_photos_and_readers_see_the_right_size(browser, story, tmp_path):
    site, article = story
    good, bomb = tmp_path / "工地.jpg", tmp_path / "巨图.png"
    good.write_bytes(image_bytes(2000, 1125))
    bomb.write_bytes(png_bomb())

    page = log_in(browser, site, "reporter")
    page.goto(f"{site}/admin/articles/article/{article.pk}/change/")
    add_row = page.locator("#photos-group .add-row a")
    add_row.click()
    add_row.click()
    page.set_input_files("input[name='photos-0-image']", str(good))
    page.fill("input[name='photos-0-alt_text']", "工会干部为建筑工人送上清凉饮品")
    page.set_input_files("input[name='photos-1-image']", str(bomb))
    page.fill("input[name='photos-1-alt_text']", "一张过大的图")
    with page.expect_navigation():
        page.locator("input[name='_continue']").click()

    errors = page.locator(".errorlist").all_inner_texts()
    assert any("30000×30000" in e and "巨图.png" in e for e in errors), errors
    assert not Photo.objects.exists()

    # The site kept answering readers while it refused the bomb.
    reader = browser.new_page()
    assert reader.goto(site + "/").status == 200
    reader.close()

    # The reporter drops the refused row and chooses the good photo again.
    page.locator("#photos-1 .inline-deletelink").click()
    page.set_input_files("input[name='photos-0-image']", str(good))
    with page.expect_navigation():
        page.locator("input[name='_continue']").click()
    assert page.locator(".messagelist .success").count() == 1, page.locator("main").inner_text()
    photo = Photo.objects.get()
    assert photo.article_id == article.pk and photo.renditions.count() == 6
    page.context.close()

    editor = make_user(is_staff=True, is_superuser=True)
    services.article_approve(article=article, user=editor)
    services.article_publish(article=article, user=editor)
    assert Article.objects.published().filter(pk=article.pk).exists()

    for width, expected in [(1280, 960), (375, 480)]:
        context = browser.new_context(
            viewport={"width": width, "height": 900}, device_scale_factor=1, locale="zh-CN"
        )
        reader = context.new_page()
        reader.goto(site + article.get_absolute_url())
        img = reader.locator("figure.photo-lead img")
        img.wait_for()
        reader.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=img.element_handle()
        )
        # The file the browser chose for this screen (WebP, the smallest wide enough), and the
        # space the photo takes: the width and height attributes keep its shape.
        chosen = img.evaluate("img => [img.currentSrc, img.clientWidth, img.clientHeight]")
        assert chosen[0].endswith(f"-{expected}.webp"), chosen
        assert 0 < chosen[1] <= width
        assert abs(chosen[1] * 1125 / 2000 - chosen[2]) <= 1, chosen
        assert reader.evaluate("document.documentElement.scrollWidth") <= width
        assert "本报记者 于佳 摄" in reader.locator("main").inner_text()
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        reader.screenshot(path=str(ARTIFACTS_DIR / f"photo-story-{width}.png"), full_page=True)
        context.close()
