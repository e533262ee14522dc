"""A reader in a real browser (Debian's headless Chromium via Playwright) on the seeded site.

Screenshots of each test land in var/test-artifacts/. Skipped, with the reason, on a machine
without /usr/bin/chromium.
"""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def site(live_server, published_seed_pages):
    return live_server.url


@pytest.mark.parametrize("width", [1280, 375])
def test_reader_follows_a_union_and_reads_a_story(page, site, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + "/")
    assert page.title()
    page.get_by_role("link", name="工会", exact=True).first.click()
    page.get_by_role("link", name="北京市建筑工会", exact=True).first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "北京市建筑工会"
    page.get_by_role("link", name="用专业技能大赛造就“首都建筑工匠”").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "用专业技能大赛造就“首都建筑工匠”"
    body = page.locator("main").inner_text()
    assert "市建筑工会助力打造技术精湛、规模宏大的产业工人队伍" in body
    assert "本报讯（记者 马超）“首都建筑工匠”" in body.replace("\n", "")
    # Nothing spills sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_every_seed_story_is_reachable_from_the_home_page(page, site, published_seed_pages):
    page.goto(site + "/")
    seen = set()
    while True:
        for href in page.locator("main a[href*='/articles/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        ):
            seen.add(href.split("/")[2].split("-")[0])
        following = page.get_by_role("link", name="下一页")
        if not following.count():
            break
        following.first.click()
    assert seen == {str(a.pk) for a in published_seed_pages}


@pytest.mark.parametrize("width", [1280, 375])
def test_reader_searches_in_chinese_from_the_header(page, site, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + "/")
    page.locator("header input[name=q]").fill("工匠")
    with page.expect_navigation():
        page.locator("header input[name=q]").press("Enter")
    assert "/search/" in page.url
    results = page.locator("main").inner_text()
    assert "用专业技能大赛造就“首都建筑工匠”" in results.replace("\n", "")
    assert page.locator("main mark", has_text="工匠").count() >= 1
    page.get_by_role("link", name="用专业技能大赛造就“首都建筑工匠”").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "用专业技能大赛造就“首都建筑工匠”"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
