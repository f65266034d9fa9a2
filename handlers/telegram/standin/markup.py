"""Turn formatted text into Telegram's plain text plus entities, failing like Telegram does."""

from __future__ import annotations

import html
import re
from typing import Any

from handlers.telegram.standin.records import JSON, ApiError, bad_request, utf16_len

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>")
_CHAR_REF = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|lt|gt|amp|quot);")
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_HTML_KIND = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_V2_TOKENS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def _cant(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


class _Out:
    """Accumulate plain text while tracking the UTF-16 position entities refer to."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[JSON] = []

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.pos += utf16_len(chunk)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            self.entities.append(
                {"type": kind, "offset": start, "length": self.pos - start, **extra}
            )

    def result(self) -> tuple[str, list[JSON]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


def render(text: str, parse_mode: object, entities: object) -> tuple[str, list[JSON]]:
    """Apply parse_mode (or explicit entities) and return plain text and entities."""
    if entities is not None:
        if not isinstance(entities, list) or not all(
            isinstance(e, dict) and {"type", "offset", "length"} <= e.keys() for e in entities
        ):
            raise bad_request("can't parse entities JSON object")
        return text, entities
    mode = str(parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown(text)
    raise bad_request("unsupported parse_mode")


def _parse_html(text: str) -> tuple[str, list[JSON]]:
    out = _Out()
    stack: list[tuple[str, int, str | None, JSON]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG.match(text, i)
            if match is None:
                raise _cant(f"Unsupported start tag at byte offset {_byte_offset(text, i)}")
            closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
            if closing:
                _close_html(text, i, name, stack, out)
            else:
                stack.append(_open_html(text, i, name, attrs, stack, out))
            i = match.end()
        elif char == "&" and (ref := _CHAR_REF.match(text, i)):
            out.add(html.unescape(ref.group(0)))
            i = ref.end()
        else:
            nxt = min((j for j in (text.find("<", i), text.find("&", i + 1)) if j >= 0), default=-1)
            end = len(text) if nxt < 0 else nxt
            out.add(text[i:end])
            i = end
    if stack:
        raise _cant(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _open_html(
    text: str,
    i: int,
    name: str,
    attrs: str,
    stack: list[tuple[str, int, str | None, JSON]],
    out: _Out,
) -> tuple[str, int, str | None, JSON]:
    kind = _HTML_KIND.get(name)
    values = {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in _ATTR.finditer(attrs)
    }
    if kind is None or (name == "span" and values.get("class") != "tg-spoiler"):
        raise _cant(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}')
    extra: JSON = {}
    if name == "a":
        # An anchor without href is plain text to Telegram.
        kind = "text_link" if values.get("href") else None
        extra = {"url": values["href"]} if kind else {}
    elif name == "blockquote" and "expandable" in attrs:
        kind = "expandable_blockquote"
    elif name == "tg-emoji":
        extra = {"custom_emoji_id": values.get("emoji-id", "")}
    elif (
        name == "code"
        and stack
        and stack[-1][0] == "pre"
        and values.get("class", "").startswith("language-")
    ):
        # <pre><code class="language-x"> is one pre entity with a language.
        stack[-1][3]["language"] = values["class"].removeprefix("language-")
        kind = None
    return name, out.pos, kind, extra


def _close_html(
    text: str, i: int, name: str, stack: list[tuple[str, int, str | None, JSON]], out: _Out
) -> None:
    if not stack:
        raise _cant(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
    tag, start, kind, extra = stack.pop()
    if tag != name:
        raise _cant(
            f'Unmatched end tag at byte offset {_byte_offset(text, i)}, expected "</{tag}>", '
            f'found "</{name}>"'
        )
    if kind is not None:
        out.entity(kind, start, **extra)


def _parse_markdown_v2(text: str) -> tuple[str, list[JSON]]:
    out = _Out()
    open_at: dict[str, tuple[int, int]] = {}
    link_start: tuple[int, int] | None = None
    quote_start: int | None = None
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\n" and quote_start is not None and not text.startswith(">", i + 1):
            # A quote runs over consecutive '>' lines and ends before the newline.
            out.entity("blockquote", quote_start)
            quote_start = None
            out.add(char)
            i += 1
        elif char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            out.add(text[i + 1])
            i += 2
        elif char == ">" and (i == 0 or text[i - 1] == "\n"):
            quote_start = out.pos if quote_start is None else quote_start
            i += 1
        elif char == "`":
            i = _v2_code(text, i, out)
        elif (token := _v2_token(text, i)) is not None:
            if token in open_at:
                start, _ = open_at.pop(token)
                out.entity(_V2_TOKENS[token], start)
            else:
                open_at[token] = (out.pos, _byte_offset(text, i))
            i += len(token)
        elif char == "[" and link_start is None:
            link_start = (out.pos, _byte_offset(text, i))
            i += 1
        elif char == "]" and link_start is not None and text.startswith("(", i + 1):
            close = _find_unescaped(text, ")", i + 2)
            if close < 0:
                raise _cant(f"Can't find end of a URL at byte offset {_byte_offset(text, i)}")
            url = re.sub(r"\\(.)", r"\1", text[i + 2 : close])
            out.entity("text_link", link_start[0], url=url)
            link_start = None
            i = close + 1
        elif char in _V2_RESERVED:
            raise _cant(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            out.add(char)
            i += 1
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    if link_start is not None:
        raise _cant(f"Can't find end of TextUrl entity at byte offset {link_start[1]}")
    for token, (_, byte_at) in open_at.items():
        name = _V2_TOKENS[token].capitalize()
        raise _cant(f"Can't find end of {name} entity at byte offset {byte_at}")
    return out.result()


def _v2_token(text: str, i: int) -> str | None:
    for token in ("__", "||", "*", "_", "~"):
        if text.startswith(token, i):
            return token
    return None


def _find_unescaped(text: str, char: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


def _v2_code(text: str, i: int, out: _Out) -> int:
    fence = "```" if text.startswith("```", i) else "`"
    close = _find_unescaped(text, fence[0], i + len(fence))
    while close >= 0 and not text.startswith(fence, close):
        close = _find_unescaped(text, fence[0], close + 1)
    if close < 0:
        kind = "Pre" if fence == "```" else "Code"
        raise _cant(f"Can't find end of {kind} entity at byte offset {_byte_offset(text, i)}")
    body = text[i + len(fence) : close]
    extra: JSON = {}
    if fence == "```":
        first, newline, rest = body.partition("\n")
        if newline and first and " " not in first:
            extra["language"] = first
            body = rest
    start = out.pos
    out.add(re.sub(r"\\([`\\])", r"\1", body))
    out.entity("pre" if fence == "```" else "code", start, **extra)
    return close + len(fence)


def _parse_markdown(text: str) -> tuple[str, list[JSON]]:
    out = _Out()
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        fence = "```" if text.startswith("```", i) else char
        if char not in kinds and char != "[":
            out.add(char)
            i += 1
            continue
        end_char = "]" if char == "[" else fence
        close = text.find(end_char, i + len(fence))
        if close < 0:
            at = _byte_offset(text, i)
            raise _cant(f"Can't find end of the entity starting at byte offset {at}")
        start = out.pos
        out.add(text[i + len(fence) : close])
        if char == "[":
            url_end = text.find(")", close) if text.startswith("(", close + 1) else -1
            if url_end >= 0:
                out.entity("text_link", start, url=text[close + 2 : url_end])
                close = url_end
            i = close + 1
            continue
        out.entity("pre" if fence == "```" else kinds[char], start)
        i = close + len(fence)
    return out.result()
