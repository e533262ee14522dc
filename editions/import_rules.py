"""What an edition import refuses, and the name it records a page file under: read-only
rules that the import (``editions.services``) applies and its preview shows before the
editor confirms, so both say the same (issue 12)."""

from datetime import date

from articles.models import ImportedPage
from unionnews.dates import date_label

from .models import Edition, Page


def issue_number_refusal(*, paper_date: date, issue_number: int | None) -> str:
    """Why ``issue_number`` (总第 N 期) cannot be the number of ``paper_date``'s edition, or
    ``""``: another day's edition has it, or this day's edition has another. The import form
    asks before its preview; :func:`edition_open` refuses it."""
    if issue_number is None:
        return ""
    other = Edition.objects.filter(issue_number=issue_number).exclude(paper_date=paper_date)
    if (taken := other.first()) is not None:
        return f"总第 {issue_number} 期已经是 {taken} 的期号。"
    edition = Edition.objects.filter(paper_date=paper_date).first()
    if edition is not None and edition.issue_number not in (None, issue_number):
        return (
            f"{date_label(paper_date)} 这一期已记为总第 {edition.issue_number} 期，"
            f"与填写的第 {issue_number} 期不符。"
        )
    return ""


def recorded_name(*, paper_date: date, name: str, digest: str) -> str:
    """The name a page file of ``paper_date``'s paper is imported under: its own, or, when a
    page of another day ran a different file of that name, the name with this day's date
    (2023-07-18_A01.txt). Layout systems name each day's pages alike (A01.txt, A02.txt…),
    and the import record of a name is unique (``ImportedPage.source_file``). ``digest`` is
    the page's (``ParsedPage.digest``): the same file again keeps its name, so that it is
    refused as a page that already ran (:func:`page_refusal`)."""
    other_day = (
        ImportedPage.objects.filter(source_file=name, print_page__isnull=False)
        .exclude(print_page__edition__paper_date=paper_date)
        .exclude(digest=digest)
    )
    return f"{paper_date.isoformat()}_{name}" if other_day.exists() else name


def page_refusal(*, edition: Edition | None, number: int, source: str) -> str:
    """Why the page file named ``source`` may not go on page ``number`` of ``edition``
    (``None``: an edition not made yet), or ``""``: the file already ran on another page (a
    page file runs once), or the page number holds another file. The import refuses what
    this names; its preview says so before."""
    pages = Page.objects.filter(import_record__source_file=source).select_related("edition")
    if edition is not None:
        pages = pages.exclude(edition=edition, number=number)
    if (other := pages.first()) is not None:
        return (
            f"{source}：这个版面文件已经登在 {other.dated_label}，一个版面只能登在一期的一个版上。"
        )
    taken = None
    if edition is not None:
        taken = (
            edition.pages.filter(number=number, import_record__isnull=False)
            .exclude(import_record__source_file=source)
            .select_related("import_record", "edition")
            .first()
        )
    if taken is not None:
        return (
            f"{source}：{taken.dated_label} 已经导入了版面文件 "
            f"{taken.import_record.source_file}，请核对版次。"
        )
    return ""
