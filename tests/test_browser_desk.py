"""Issue 9's acceptance in a real browser (Debian's Chromium): typed work is never lost (a
closed tab, an expired session), a draft is previewed as readers will see it, and the story
list fits a 1280 px screen."""

from pathlib import Path

import pytest

from articles import roles
from articles.models import Article
from articles.roles import sync_roles
from articles.services import article_approve, article_create, article_publish, import_files
from organizations.services import directory_load

from .factories import make_reporter, make_user
from .test_browser_workflow import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "var" / "test-artifacts"


@pytest.fixture
def desk(live_server):
    sync_roles()
    directory_load()
    reporter = make_user("reporter", groups=[roles.REPORTER], is_staff=True)
    make_reporter("马超", user=reporter)
    editor = make_user("editor", groups=[roles.EDITOR], is_staff=True)
    story = article_create(
        user=reporter,
        values={
            "headline": "记者的草稿",
            "body": "第一段。",
            "credits": [(reporter.reporter, "记者", "text")],
        },
    )
    return live_server.url, reporter, editor, story


def test_typed_text_survives_a_closed_tab(browser, desk):
    site, _, _, story = desk
    page = log_in(browser, site, "reporter")
    url = f"{site}/admin/articles/article/{story.pk}/change/"
    page.goto(url)
    page.locator("#id_body").press_sequentially("\n刚打完的第二段，还没有保存。", delay=5)
    page.locator(".unionnews-autosave-status", has_text="已自动保存").wait_for()
    context = page.context
    page.close()  # the tab is closed without saving

    again = context.new_page()
    again.goto(url)
    offer = again.locator(".unionnews-draft-offer")
    assert "有未保存的内容" in offer.inner_text()
    with again.expect_navigation():
        offer.get_by_role("link", name="恢复这些内容").click()
    assert "刚打完的第二段，还没有保存。" in again.locator("#id_body").input_value()
    with again.expect_navigation():
        again.locator("input[name=_continue]").click()
    assert "刚打完的第二段" in Article.objects.get(pk=story.pk).body
    again.screenshot(path=str(ARTIFACTS / "autosave-restored.png"), full_page=True)


def test_typed_text_survives_an_expired_session(browser, desk):
    site, _, _, story = desk
    page = log_in(browser, site, "reporter")
    url = f"{site}/admin/articles/article/{story.pk}/change/"
    page.goto(url)
    page.context.clear_cookies()  # the session expires while the reporter types
    page.locator("#id_body").press_sequentially("\n登录过期后打的字。", delay=5)
    page.locator(".unionnews-autosave-status", has_text="暂存在本机浏览器").wait_for()
    context = page.context
    page.close()

    # The copy waits in this browser's storage: the reporter logs in again, here.
    relogin = context.new_page()
    relogin.goto(site + "/admin/login/")
    relogin.fill("#id_username", "reporter")
    relogin.fill("#id_password", "pw-for-tests-only")
    with relogin.expect_navigation():
        relogin.locator("#login-form [type=submit]").click()
    relogin.goto(url)
    notice = relogin.locator(".unionnews-draft-offer")
    notice.wait_for()
    with relogin.expect_navigation():
        notice.get_by_role("link", name="恢复这些内容").click()
    assert "登录过期后打的字。" in relogin.locator("#id_body").input_value()


def test_leaving_with_unsaved_changes_asks_first(browser, desk):
    site, _, _, story = desk
    page = log_in(browser, site, "reporter")
    page.goto(f"{site}/admin/articles/article/{story.pk}/change/")
    page.locator("#id_kicker").press_sequentially("新引题", delay=5)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]


def test_an_editor_previews_a_draft_that_readers_cannot_open(browser, desk):
    site, _, _, story = desk
    page = log_in(browser, site, "editor")
    page.goto(f"{site}/admin/articles/article/{story.pk}/change/")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="预览").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert "记者的草稿" in preview.locator("h1").inner_text()
    assert "读者还看不到" in preview.locator(".preview-banner").inner_text()
    reader = browser.new_page()
    assert reader.goto(preview.url).status == 404
    reader.close()


def test_the_story_list_fits_1280_px(browser, desk):
    site, _, editor, _ = desk
    for result in import_files(sorted(Path("fixtures/pages").glob("*.txt")), user=editor):
        for article in result.articles:
            article_approve(article=article, user=editor)
    published = Article.objects.filter(status=Article.Status.APPROVED).first()
    from articles.services import article_waive_photo

    article_waive_photo(article=published, user=editor)
    article_publish(article=published, user=editor)
    page = log_in(browser, site, "editor")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site + "/admin/articles/article/")
    widths = page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            overflow: (() => {
                const box = document.querySelector('#changelist .results');
                return box.scrollWidth - box.clientWidth;
            })(),
            unions: Math.min(...[...document.querySelectorAll('td.field-unions_column')]
                .map(cell => cell.getBoundingClientRect().width)),
            dates: [...document.querySelectorAll('td.field-updated_on')]
                .map(cell => cell.getBoundingClientRect().right),
        })"""
    )
    page.screenshot(path=str(ARTIFACTS / "story-list-1280.png"), full_page=True)
    assert widths["page"] <= 1280, widths
    assert widths["unions"] >= 90, widths  # several characters, not one
    assert max(widths["dates"]) <= 1280, widths
    assert widths["overflow"] <= 0, widths  # every column in view, none scrolled away


def test_a_filed_story_is_not_offered_back_on_the_next_new_story_form(browser, desk):
    from articles.models import StoryDraft

    site, _, _, _ = desk
    page = log_in(browser, site, "reporter")
    page.goto(site + "/admin/articles/article/add/")
    page.locator("#id_headline").press_sequentially("新提交的稿件", delay=5)
    page.locator("#id_body").press_sequentially("正文第一段。", delay=5)
    page.locator(".unionnews-autosave-status", has_text="已自动保存").wait_for()
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    assert Article.objects.filter(headline="新提交的稿件").exists()
    assert not StoryDraft.objects.exists()

    page.goto(site + "/admin/articles/article/add/")
    page.wait_for_timeout(1500)  # time for the script to hand a kept copy to the server
    assert page.locator(".unionnews-draft-offer").count() == 0
    assert not StoryDraft.objects.exists()
