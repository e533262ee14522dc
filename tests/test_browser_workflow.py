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
    reporter.locator("#bylines-group .add-row a").click()
    pick(reporter, "id_bylines-0-reporter", "于佳")
    reporter.select_option("#id_bylines-0-contribution", "photo")
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


def test_two_windows_saving_the_same_story_give_a_conflict(browser, desk):
    site, _, _ = desk
    article = Article.objects.create(headline="原标题", body="正文。")
    first, second = log_in(browser, site, "editor"), log_in(browser, site, "editor")
    url = f"{site}/admin/articles/article/{article.pk}/change/"
    first.goto(url)
    second.goto(url)
    assert second.locator("#id_headline").count(), second.locator("body").inner_text()[:400]
    first.fill("#id_headline", "第一个窗口的标题")
    save(first)
    second.fill("#id_headline", "第二个窗口的标题")
    save(second)
    errors = second.locator(".errornote, .errorlist").all_inner_texts()
    assert any("修改" in text for text in errors), errors
    assert "第一个窗口的标题" in second.content()
    assert second.locator("#id_headline").input_value() == "第二个窗口的标题"  # nothing typed lost
    assert Article.objects.get(pk=article.pk).headline == "第一个窗口的标题"
    second.screenshot(path="var/test-artifacts/conflict.png", full_page=True)
