class PageParseError(ValueError):
    """A page that cannot be imported. ``str(error)`` names the file and, where known, the line.

    Attributes: ``source`` (file name), ``line`` (1-based line number or ``None``), ``reason``
    (what is wrong, in Chinese, for the editor).
    """

    def __init__(self, reason: str, *, source: str = "", line: int | None = None):
        self.reason = reason
        self.source = source
        self.line = line
        where = source or "<页面>"
        if line is not None:
            where = f"{where} 第{line}行"
        super().__init__(f"{where}：{reason}")
