"""A reader of the digital paper in a real browser (issue 12, acceptance 3): on a phone and a
desktop, open the edition, go to 第4版, tap a story's area on the page image, read the story,
and follow its 见报 link back to the page."""

import pytest

from editions.models import Page
from editions.services import page_attach_scan
from tests.factories import make_user
from tests.pdfs import Box, page_pdf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def site(live_server, published_seed_pages):
    page = Page.objects.get(edition__paper_date="2023-07-15", number=4)
    stories = [p.article for p in page.placements.select_related("article").order_by("position")]
    boxes = [Box(40 + 400 * (i % 2), 40 + 300 * (i // 2), 360) for i in range(len(stories))]
    pdf, _ = page_pdf(stories, boxes)
    editor = make_user(is_staff=True, is_superuser=True)
    page_attach_scan(user=editor, page=page, name="第4版.pdf", data=pdf)
    return live_server.url


@pytest.mark.parametrize("width", [375, 1280])
def test_a_reader_taps_a_story_on_the_page_image_and_comes_back(page, site, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + "/")
    page.get_by_role("link", name="数字报", exact=True).first.click()
    assert "2023年7月15日" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("link", name="第4版", exact=True).first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "第4版"
    image = page.locator("figure.epaper-scan svg image")
    assert image.evaluate("img => img.getBBox().width") > 0  # the page image is shown
    # The story's area on the image: a real tap at its place on the page.
    area = page.locator('figure.epaper-scan a[aria-label="市总工会举办单身职工交友联谊活动"] rect')
    box = area.bounding_box()
    assert box and box["width"] > 20 and box["height"] > 20
    assert box["x"] + box["width"] <= width  # within the phone's width
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/articles/**")
    assert page.get_by_role("heading", level=1).inner_text() == "市总工会举办单身职工交友联谊活动"
    page.get_by_role("link", name="见报：2023年7月15日 第4版").click()
    page.wait_for_url("**/epaper/2023-07-15/4/")
    assert page.get_by_role("link", name="下一版（第5版）").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
