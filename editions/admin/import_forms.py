"""The import form of a day's paper (导入整期): the edition (date, issue number) and one row
per page (版次, 版名, 版面编辑, the text file and, optionally, its PDF or picture), checked
before the preview (``editions.admin.imports``)."""

from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError

from articles.importer.text import MAX_PAGE_BYTES

from ..import_rules import issue_number_refusal
from ..scans import MAX_SCAN_BYTES

#: Rows of the page table: a union paper has 4 to 16 pages a day.
PAGE_ROWS = 16


class EditionForm(forms.Form):
    paper_date = forms.DateField(
        label="出版日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "请填写出版日期。",
            "invalid": "请按 2023-07-15 的格式填写日期。",
        },
    )
    issue_number = forms.IntegerField(
        label="总期号", required=False, min_value=1, help_text="报头上的“总第 N 期”，可不填。"
    )

    def clean(self):
        data = super().clean()
        if data.get("paper_date") is not None:
            refusal = issue_number_refusal(
                paper_date=data["paper_date"], issue_number=data.get("issue_number")
            )
            if refusal:
                self.add_error("issue_number", f"{refusal}请核对期号，或不填。")
        return data


class PageRowForm(forms.Form):
    number = forms.IntegerField(label="版次", required=False, min_value=1, max_value=999)
    name = forms.CharField(label="版名", required=False, max_length=50)
    editor = forms.CharField(label="版面编辑", required=False, max_length=50)
    file = forms.FileField(
        label="版面文件",
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,text/plain"}),
    )
    scan = forms.FileField(
        label="版面原件（PDF 或图片，可不选）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf,image/*"}),
    )

    def clean(self):
        data = super().clean()
        upload, number = data.get("file"), data.get("number")
        if upload is None:
            if number or data.get("name") or data.get("editor"):
                raise ValidationError("请为这一版选择版面文件，或清空这一行。")
            return data
        if number is None:
            raise ValidationError(f"{upload.name}：请填写版次。")
        if not upload.name.lower().endswith(".txt"):
            raise ValidationError(f"{upload.name}：只能上传 .txt 版面文本文件。")
        if upload.size > MAX_PAGE_BYTES:
            raise ValidationError(f"{upload.name}：文件过大，每个版面文件不能超过 2 MB。")
        scan = data.get("scan")
        if scan is not None and scan.size > MAX_SCAN_BYTES:
            raise ValidationError(
                f"{scan.name}：版面原件过大，不能超过 {MAX_SCAN_BYTES // 1024 // 1024} MB。"
            )
        return data


class BasePageRows(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        rows = [form.cleaned_data for form in self.forms if form.cleaned_data.get("file")]
        if not rows:
            raise ValidationError("请至少为一个版面选择版面文件。")
        numbers = [row["number"] for row in rows]
        if len(set(numbers)) != len(numbers):
            raise ValidationError("有两行的版次相同，请核对。")
        names = [Path(row["file"].name).name for row in rows]
        if len(set(names)) != len(names):
            raise ValidationError("同一个版面文件选择了两次。")


PageRows = forms.formset_factory(
    PageRowForm, formset=BasePageRows, extra=PAGE_ROWS, max_num=PAGE_ROWS
)
