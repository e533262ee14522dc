"""Importing pages into the database: one transaction a page, idempotent, nothing lost."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article, Byline, ImportedPage, Reporter
from articles.services import ImportConflict, PageParseError, import_files, import_page
from events.models import Event
from organizations.models import Union, UnionAlias
from organizations.services import MergeNotAllowed, directory_load, union_merge
from unionnews.actors import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "fixtures" / "pages").glob("*.txt"))
DATA = Path(__file__).resolve().parent / "data"

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory():
    directory_load()


def snapshot():
    return (
        Article.objects.count(),
        Byline.objects.count(),
        Reporter.objects.count(),
        Union.objects.count(),
        UnionAlias.objects.count(),
        Event.objects.count(),
        ImportedPage.objects.count(),
    )


def test_directory_holds_the_federations_districts_and_seed_unions(directory):
    municipal = Union.objects.get(name="北京市总工会")
    assert municipal.parent.name == "中华全国总工会"
    districts = Union.objects.filter(kind=Union.Kind.DISTRICT, parent=municipal)
    assert districts.count() == 17  # 16 districts and 经开区
    assert Union.objects.get(name="朝阳区东湖街道总工会").parent.name == "朝阳区总工会"
    assert UnionAlias.objects.get(name="市建筑工会").union.name == "北京市建筑工会"
    before = snapshot()
    directory_load()
    assert snapshot() == before


def test_importing_the_seed_pages_writes_draft_stories_with_credits_and_links(directory):
    results = import_files(PAGES)
    assert [len(r.articles) for r in results] == [5, 5, 7]
    assert not Article.objects.exclude(status=Article.Status.DRAFT).exists()
    assert not Article.objects.published().exists()
    lead = Article.objects.get(source_file=PAGES[0].name, source_position=1)
    assert lead.headline == "用专业技能大赛造就“首都建筑工匠”"
    assert lead.lead_in() == "本报讯（记者 马超）"
    assert lead.paragraphs[0].startswith("“首都建筑工匠”，是北京市建筑工会")
    assert lead.column.name == "深入学习贯彻党的二十大精神 奋力开拓首都工会工作新局面"
    assert set(lead.unions.values_list("name", flat=True)) == {
        "北京市建筑工会",
        "北京市工业（国防）工会",
        "北京市交通运输工会",
    }
    assert "技能竞赛" in lead.tags.names()
    finance = Article.objects.get(headline="市金融系统工会主席“充电蓄能”")
    assert finance.photo_credit() == "本报记者 于佳 摄"
    photo = Article.objects.get(headline="“送清凉”添动力")
    assert photo.kind == Article.Kind.PHOTO
    assert photo.photo_credit() == "本报记者 周美玉 通讯员 高岩 摄影报道"
    profile = Article.objects.get(headline="把工会工作做到职工心坎上")
    assert profile.standalone_byline() == "□本报记者 任洁"
    construction = Union.objects.get(name="北京市建筑工会")
    assert construction.articles.count() == 2
    # Reporters are shared across pages: 刘欣欣 has three stories, one row.
    assert Reporter.objects.get(name="刘欣欣").bylines.count() == 3


def test_reimporting_the_same_pages_changes_nothing(directory):
    import_files(PAGES)
    before = snapshot()
    results = import_files(PAGES)
    assert all(r.unchanged and not r.articles for r in results)
    assert snapshot() == before


def test_same_page_in_another_encoding_is_the_same_page(directory):
    import_files(PAGES[:1])
    text = PAGES[0].read_text(encoding="utf-8")
    result = import_page(data=text.replace("\n", "\r\n").encode("gb18030"), source=PAGES[0].name)
    assert result.unchanged


def test_changed_content_under_the_same_name_is_refused_not_overwritten(directory):
    import_files(PAGES[:1])
    lead = Article.objects.get(source_file=PAGES[0].name, source_position=1)
    lead.headline = "编辑改过的标题"
    lead.save()
    changed = PAGES[0].read_bytes().replace("马超".encode(), "马超超".encode())
    before = snapshot()
    with pytest.raises(ImportConflict, match="内容与这次不同"):
        import_page(data=changed, source=PAGES[0].name)
    assert snapshot() == before
    lead.refresh_from_db()
    assert lead.headline == "编辑改过的标题"


def test_a_page_that_fails_writes_nothing_and_names_file_and_line(directory):
    broken = PAGES[0].read_text(encoding="utf-8") + "\n\n\n\n尾部引题\n尾部主题\n"
    before = snapshot()
    with pytest.raises(PageParseError) as error:
        import_page(data=broken.encode(), source="broken.txt")
    assert "broken.txt" in str(error.value) and "行" in str(error.value)
    assert snapshot() == before


def test_unknown_unions_and_events_are_proposed_for_review(directory):
    result = import_page(
        data=(DATA / "pages" / "unseen_page.txt").read_bytes(), source="unseen_page.txt"
    )
    street = Union.objects.get(name="西城区德胜街道总工会")
    assert not street.reviewed
    assert street.parent.name == "西城区总工会"
    assert street.kind == Union.Kind.SUBDISTRICT
    assert street in result.proposed_unions
    assert Union.objects.get(name="北京市建筑工会").reviewed
    assert Event.objects.proposed().filter(name="金秋助学", kind="welfare").exists()
    # A second page naming the proposed union links it instead of proposing it again.
    again = import_page(
        data="另一篇稿件\n\n本报讯（记者 张三）西城区德胜街道总工会举办活动。\n".encode(),
        source="again.txt",
    )
    assert again.proposed_unions == []
    assert again.articles[0].unions.get() == street


def test_merging_a_proposal_moves_links_and_keeps_the_name_as_alias(directory):
    import_page(data=(DATA / "pages" / "unseen_page.txt").read_bytes(), source="unseen.txt")
    proposal = Union.objects.get(name="北京银行西城支行工会")
    article = proposal.articles.get()
    target = Union.objects.create(name="北京银行股份有限公司西城支行工会")
    union_merge(user=SYSTEM, source=proposal, target=target)
    assert not Union.objects.filter(name="北京银行西城支行工会").exists()
    assert target in article.unions.all()
    assert UnionAlias.objects.get(name="北京银行西城支行工会").union == target
    with pytest.raises(MergeNotAllowed):
        union_merge(user=SYSTEM, source=target, target=target)


def test_merging_into_a_descendant_is_refused(directory):
    district = Union.objects.get(name="朝阳区总工会")
    street = Union.objects.get(name="朝阳区东湖街道总工会")
    with pytest.raises(MergeNotAllowed):
        union_merge(user=SYSTEM, source=district, target=street)


# -- the command ---------------------------------------------------------------------------------


def test_command_dry_run_json_is_one_array_and_writes_nothing(directory, capsys):
    before = snapshot()
    call_command("import_pages", "--dry-run", "--json", *map(str, PAGES))
    output = json.loads(capsys.readouterr().out)
    assert [p["source"] for p in output] == [p.name for p in PAGES]
    assert sum(len(p["articles"]) for p in output) == 17
    assert set(output[0]["articles"][0]) >= {
        "kind", "section", "kicker", "headline", "subtitle", "dateline", "bylines",
        "paragraphs", "unions", "events", "topics",
    }  # fmt: skip
    assert snapshot() == before


def test_command_imports_reports_and_fails_cleanly(directory, capsys, tmp_path):
    call_command("import_pages", *map(str, PAGES))
    out = capsys.readouterr().out
    assert "导入 5 篇草稿" in out and "导入 7 篇草稿" in out
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_pages", str(bad), *map(str, PAGES))
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "empty.txt：文件是空的" in captured.err
    assert captured.out.count("此前已导入") == 3


def test_command_line_dry_run_scores_full_marks_with_the_desk_scorer(tmp_path):
    """The acceptance check as a desk would run it, in a separate process."""
    out = tmp_path / "parse.json"
    db = tmp_path / "db.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with out.open("w") as stream:
        subprocess.run(
            [python, "manage.py", "import_pages", "--dry-run", "--json", *map(str, PAGES)],
            cwd=ROOT, env=env, check=True, stdout=stream,
        )  # fmt: skip
    report = subprocess.run(
        [python, str(DATA / "score_import.py"), str(DATA / "gold.json"), str(out)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "importer score: 152/152 (100%)" in report, report


def test_an_alias_added_by_an_editor_is_used_by_the_next_import(directory):
    from articles.services import preview_page

    text = "一建公司工会开展活动\n\n本报讯（记者 张三）一建公司工会为职工送清凉。\n".encode()
    [mention] = preview_page(data=text, source="a.txt").articles[0].union_mentions
    assert (mention.name, mention.known) == ("一建公司工会", False)
    union = Union.objects.get(name="北京建工一建公司工会")
    UnionAlias.objects.create(union=union, name="一建公司工会")
    [mention] = preview_page(data=text, source="a.txt").articles[0].union_mentions
    assert (mention.name, mention.known) == ("北京建工一建公司工会", True)
