"""Issue 3's acceptance, as the desk would try it, in a real browser (Debian's Chromium).

A reporter files a story with two credits and two unions; the editor returns it with a
comment; the reporter fixes and resubmits; the editor approves and schedules it; it is public
only after its time. Two editors saving the same story from two windows get a conflict.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles import roles
from articles.models import Article
from articles.roles import sync_roles
from organizations.services import directory_load

from .factories import make_reporter, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "pw-for-tests-only"


@pytest.fixture
def desk(live_server):
    # A transactional test starts from an emptied database: set the roles up again.
    sync_roles()
    directory_load()
    reporter = make_user("reporter", groups=[roles.REPORTER], is_staff=True)
    make_reporter("马超", user=reporter)
    make_reporter("于佳")
    editor = make_user("editor", groups=[roles.EDITOR], is_staff=True)
    return live_server.url, reporter, editor


def log_in(browser, site, username):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(site + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("#login-form [type=submit]").click()
    assert "/admin/login/" not in page.url, page.locator("body").inner_text()[:300]
    return page


def pick(page, field_id, text):
    """Choose ``text`` in an admin autocomplete (select2) widget."""
    page.locator(f"#{field_id}").locator("xpath=following-sibling::span[1]").click()
    page.locator(".select2-container--open .select2-search__field").first.fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()
    page.keyboard.press("Escape")


def save(page):
    """Click 保存并继续编辑 and wait for the answer."""
    with page.expect_navigation():
        page.locator("input[name=_continue]").click()


def take_step(page, label, comment=None, when=None):
    with page.expect_navigation():
        page.get_by_role("link", name=label, exact=True).click()
    if comment is not None:
        page.fill("textarea[name=comment]", comment)
    if when is not None:
        page.fill("input[name=publish_at]", when)
    with page.expect_navigation():
        page.get_by_role("button", name=f"确认{label}").click()


def test_file_return_fix_approve_schedule(browser, desk):
    site, _, _ = desk
    reporter = log_in(browser, site, "reporter")
    reporter.goto(site + "/admin/articles/article/add/")
    reporter.fill("#id_headline", "西城区职工运动会开幕")
    reporter.fill("#id_body", "近日，西城区职工运动会开幕。\n来自各单位的职工参赛。")
    pick(reporter, "id_unions", "西城区总工会")
    pick(reporter, "id_unions", "北京市总工会")
    # The reporter's own credit is filled in where they see it (nothing is added unseen).
    own = reporter.locator("#bylines-0 .field-reporter").inner_text()
    assert "马超" in own, own
    reporter.locator("#bylines-group .add-row a").click()
    pick(reporter, "id_bylines-1-reporter", "于佳")
    reporter.select_option("#id_bylines-1-contribution", "photo")
    save(reporter)
    article = Article.objects.get(headline="西城区职工运动会开幕")
    assert sorted(b.reporter.name for b in article.bylines.all()) == ["于佳", "马超"]
    assert article.unions.count() == 2
    take_step(reporter, "提交审核")
    assert Article.objects.get(pk=article.pk).status == Article.Status.SUBMITTED

    editor = log_in(browser, site, "editor")
    editor.goto(f"{site}/admin/articles/article/{article.pk}/change/")
    take_step(editor, "退回修改", comment="请补充参赛人数。")
    assert Article.objects.get(pk=article.pk).status == Article.Status.RETURNED

    reporter.goto(f"{site}/admin/articles/article/{article.pk}/change/")
    assert "请补充参赛人数。" in reporter.locator(".unionnews-return-note").inner_text()
    reporter.fill("#id_body", "近日，西城区职工运动会开幕。\n来自各单位的1200名职工参赛。")
    save(reporter)
    take_step(reporter, "提交审核")

    editor.goto(f"{site}/admin/articles/article/{article.pk}/change/")
    take_step(editor, "通过")
    # 于佳 is credited for a photo that was never uploaded: the story waits for it (待配图)
    # until the editor decides it goes out without one.
    assert "待配图" in editor.locator(".unionnews-held").inner_text()
    editor.check("#id_photo_waived")
    save(editor)
    soon = timezone.localtime() + timedelta(minutes=2)
    take_step(editor, "定时发布", when=soon.strftime("%Y-%m-%dT%H:%M"))
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and not article.is_public

    public = browser.new_page()
    assert public.goto(site + article.get_absolute_url()).status == 404
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=True):
        response = public.goto(site + article.get_absolute_url())
        assert response.status == 200
        assert "来自各单位的1200名职工参赛。" in public.locator("main").inner_text()
    history = [
        (t.from_status, t.to_status) for t in Article.objects.get(pk=article.pk).transitions.all()
    ]
    assert history == [
        ("draft", "submitted"),
        ("submitted", "returned"),
        ("returned", "submitted"),
        ("submitted", "approved"),
        ("approved", "published"),
    ]


def test_two_editors_in_two_windows_keep_both_changes(browser, desk):
    """Issue 9's first acceptance: A edits the kicker and saves; B edits the body from the
    older form, saves, sees the conflict, and resolves it. Both changes are in the live story,
    and the history shows both."""
    from articles.services import article_approve, article_create, article_publish

    site, _, editor = desk
    make_user("chief", groups=[roles.EDITOR], is_staff=True, first_name="甲编辑")
    article = article_create(
        user=editor,
        values={"kicker": "原来的引题", "headline": "原标题", "body": "第一段。\n第二段。"},
    )
    article_approve(article=article, user=editor)
    article_publish(article=article, user=editor)
    first, second = log_in(browser, site, "chief"), log_in(browser, site, "editor")
    url = f"{site}/admin/articles/article/{article.pk}/change/"
    first.goto(url)
    second.goto(url)
    first.fill("#id_kicker", "甲改的引题")
    save(first)
    second.fill("#id_body", "第一段。\n乙改的第二段。")
    save(second)

    assert "/conflict/" in second.url, second.url
    page = second.locator("#content-main").inner_text()
    assert "别人保存了新的版本" in second.locator(".messagelist").inner_text()
    assert "只有对方改过的字段" in page and "甲改的引题" in page
    assert "只有你改过的字段" in page and "乙改的第二段" in page
    second.screenshot(path="var/test-artifacts/conflict.png", full_page=True)
    with second.expect_navigation():
        second.get_by_role("button", name="合并保存").click()
    assert "已保存" in second.locator(".messagelist").inner_text()

    live = browser.new_page()
    live.goto(site + Article.objects.get(pk=article.pk).get_absolute_url())
    story = live.locator("article").inner_text()
    assert "甲改的引题" in story and "乙改的第二段。" in story

    second.goto(f"{url.removesuffix('change/')}history/")
    history = second.locator("#change-history").inner_text()
    assert "已修改：引题" in history and "已修改：正文" in history
    assert "甲编辑" in history
