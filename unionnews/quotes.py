"""Quoting a title in a sentence, as Chinese typesetting does (GB/T 15834-2011, 标点符号用法,
4.1 引号): the outer quotes are “”, and quotes inside them become ‘’, so that a headline
which itself opens with a quote reads “‘送清凉’添动力” and not ““送清凉”添动力”."""

_INNER = str.maketrans({"“": "‘", "”": "’"})


def quoted(title: str) -> str:
    """``title`` in double quotes, its own double quotes made single: “‘送清凉’添动力”."""
    return f"“{str(title).translate(_INNER)}”"
