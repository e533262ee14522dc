"""Readable differences between two copies of a story, for the desk's screens: the revision
comparison (对比) and the edit-conflict message.

Text is compared character by character (Chinese has no spaces between words) and the body
paragraph by paragraph (one paragraph a line, as stored). Everything is escaped here: the
result is HTML with ``<del>`` for what the older (or the other) copy had and ``<ins>`` for what
the newer (or the submitted) copy has, and no user text is ever marked safe unescaped.
"""

import difflib
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

EMPTY = "（空）"
#: Unchanged paragraphs shown around a change in the body; the rest are folded.
CONTEXT = 1


@dataclass(frozen=True)
class FieldDiff:
    """One field of the story compared: ``html`` is the marked-up difference, or the value
    itself when unchanged."""

    name: str
    label: str
    changed: bool
    html: SafeString


def _marked(pieces: list[tuple[str, bool]], tag: str) -> SafeString:
    """Join ``(text, changed)`` pieces, wrapping the changed ones in ``tag`` (escaped)."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html("<{}>{}</{}>", mark_safe(tag), text, mark_safe(tag)) if changed else text,)
            for text, changed in pieces
            if text
        ),
    )


def inline_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """``old`` with the removed characters in ``<del>``, ``new`` with the added ones in
    ``<ins>``."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    before, after = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        before.append((old[i1:i2], op != "equal"))
        after.append((new[j1:j2], op != "equal"))
    return _marked(before, "del"), _marked(after, "ins")


def value_diff(old: str, new: str, *, old_label: str = "原", new_label: str = "新") -> SafeString:
    """A short value (a title line, a state, a time) before and after, each whole."""
    return format_html(
        '<div class="diff-old"><span class="diff-label">{}</span> <del>{}</del></div>'
        '<div class="diff-new"><span class="diff-label">{}</span> <ins>{}</ins></div>',
        old_label,
        old or EMPTY,
        new_label,
        new or EMPTY,
    )


#: A sign before each changed paragraph, so that colour is not the only cue.
SIGNS = {"removed": "−", "added": "+", "same": "", "fold": ""}


def _line(kind: str, content) -> SafeString:
    return format_html(
        '<div class="diff-line diff-{}">'
        '<span class="diff-sign" aria-hidden="true">{}</span>{}</div>',
        kind,
        SIGNS[kind],
        content,
    )


def body_diff(old: str, new: str) -> SafeString:
    """The body paragraph by paragraph: removed ones in ``<del>``, added ones in ``<ins>``, a
    changed paragraph twice with the changed characters marked, and long runs of unchanged
    paragraphs folded to a count."""
    old_lines = [line.strip() for line in old.splitlines() if line.strip()]
    new_lines = [line.strip() for line in new.splitlines() if line.strip()]
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    rows = []
    opcodes = matcher.get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            same = old_lines[i1:i2]
            head = same[:CONTEXT] if index > 0 else []
            tail = same[-CONTEXT:] if index < len(opcodes) - 1 else []
            if len(head) + len(tail) >= len(same):
                shown = same
                folded = 0
            else:
                shown = None
                folded = len(same) - len(head) - len(tail)
            if shown is not None:
                rows.extend(_line("same", line) for line in shown)
            else:
                rows.extend(_line("same", line) for line in head)
                rows.append(_line("fold", f"……（{folded} 段未改动）……"))
                rows.extend(_line("same", line) for line in tail)
            continue
        removed, added = old_lines[i1:i2], new_lines[j1:j2]
        if op == "replace":
            for k in range(max(len(removed), len(added))):
                if k < len(removed) and k < len(added):
                    before, after = inline_diff(removed[k], added[k])
                    rows.append(_line("removed", before))
                    rows.append(_line("added", after))
                elif k < len(removed):
                    rows.append(_line("removed", format_html("<del>{}</del>", removed[k])))
                else:
                    rows.append(_line("added", format_html("<ins>{}</ins>", added[k])))
        elif op == "delete":
            rows.extend(_line("removed", format_html("<del>{}</del>", line)) for line in removed)
        elif op == "insert":
            rows.extend(_line("added", format_html("<ins>{}</ins>", line)) for line in added)
    return format_html(
        '<div class="diff-body">{}</div>', format_html_join("", "{}", ((r,) for r in rows))
    )


def items_diff(old: list[str], new: list[str]) -> SafeString:
    """A list's items (unions, topics, credits): those kept as they are, those removed in
    ``<del>`` and those added in ``<ins>``, each with its sign, in the new order."""
    rows = [_line("removed", format_html("<del>{}</del>", item)) for item in old if item not in new]
    rows += [
        _line("same", item) if item in old else _line("added", format_html("<ins>{}</ins>", item))
        for item in new
    ]
    return format_html(
        '<div class="diff-body">{}</div>', format_html_join("", "{}", ((r,) for r in rows))
    )


def compare(
    fields, old: dict, new: dict, *, old_label: str = "原", new_label: str = "新"
) -> list[FieldDiff]:
    """Compare two copies field by field. ``fields`` is ``[(name, label, kind)]`` where
    ``kind`` is ``"text"`` for a body (paragraph diff), ``"items"`` for a list (values are
    lists of strings; items added and removed) or ``"line"`` for a short value; ``old`` and
    ``new`` map names to display strings; the labels name the two copies."""
    result = []
    for name, label, kind in fields:
        if kind == "items":
            before, after = list(old.get(name) or []), list(new.get(name) or [])
            changed = before != after
            html = (
                items_diff(before, after)
                if changed
                else format_html("{}", "、".join(after) or EMPTY)
            )
            result.append(FieldDiff(name, label, changed, html))
            continue
        before, after = old.get(name, "") or "", new.get(name, "") or ""
        if before == after:
            html = format_html("{}", before or EMPTY) if kind == "line" else SafeString()
            result.append(FieldDiff(name, label, False, html))
        elif kind == "text":
            result.append(FieldDiff(name, label, True, body_diff(before, after)))
        else:
            html = value_diff(before, after, old_label=old_label, new_label=new_label)
            result.append(FieldDiff(name, label, True, html))
    return result
