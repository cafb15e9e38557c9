"""HTML as titled, sectioned blocks: headings give the sections; scripts, styles and navigation
are left out."""

from __future__ import annotations

from html.parser import HTMLParser

from .blocks import Block, Document, default_title


class _HTMLBlocks(HTMLParser):
    """Collects headings and text blocks from HTML, ignoring scripts, styles and navigation."""

    SKIP = {"script", "style", "noscript", "nav", "template", "svg", "head"}
    BREAK = {"p", "div", "li", "br", "tr", "pre", "blockquote", "section", "article", "td", "dd"}
    HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.blocks: list[Block] = []
        self._trail: list[tuple[int, str]] = []
        self._text: list[str] = []
        self._skip = 0
        self._in_title = False
        self._heading_level = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.HEADINGS:
            self._flush()
            self._heading_level = self.HEADINGS[tag]
        elif tag in self.BREAK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.HEADINGS and self._heading_level:
            heading = " ".join("".join(self._text).split())
            self._text.clear()
            level, self._heading_level = self._heading_level, 0
            if heading:
                self._trail = [(lvl, h) for lvl, h in self._trail if lvl < level]
                self._trail.append((level, heading))
                if level == 1 and not self.title:
                    self.title = heading
                self.blocks.append(Block(text=heading, section=self.section, heading=True))
        elif tag in self.BREAK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = self.title or " ".join(data.split())
        elif not self._skip:
            self._text.append(data)

    @property
    def section(self) -> str:
        return " > ".join(h for _, h in self._trail)

    def _flush(self) -> None:
        if self._heading_level:
            return
        text = " ".join("".join(self._text).split())
        self._text.clear()
        if text:
            self.blocks.append(Block(text=text, section=self.section))

    def close(self) -> None:
        super().close()
        self._heading_level = 0
        self._flush()


def load_html(text: str, source: str) -> Document:
    """Read HTML TEXT (named SOURCE in citations) into blocks, in reading order."""
    parser = _HTMLBlocks()
    parser.feed(text)
    parser.close()
    return Document(
        source=source, title=parser.title or default_title(source), blocks=parser.blocks
    )
