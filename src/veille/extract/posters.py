"""Who wrote a post, for the generic extractor: the elements that name posters (profile
links, author classes), each poster's key and display name, and those that only look like
one (a name quoted in another post, an account link, a mention)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from veille.extract.document import _text_of
from veille.extract.links import _SESSION_PARAMS
from veille.text import clean_text

_MAX_AUTHORS = 4000


_AUTHOR_XPATH = etree.XPath(
    "//*[@itemprop='author' or @itemprop='creator' or @rel='author' or @data-username"
    " or contains(@class,'author') or contains(@class,'user') or contains(@class,'poster')"
    " or contains(@class,'creator') or contains(concat(' ',normalize-space(@class),' '),' name ')]"
    " | //a[@href and (contains(@href,'/u/') or contains(@href,'/user') or contains(@href,"
    "'/member') or contains(@href,'/profile') or contains(@href,'viewprofile') or contains("
    "@href,'showuser') or contains(@href,'member.php') or contains(@href,'/people/') or "
    "contains(@href,'/users/') or contains(@href,'user-') or starts-with(@href,'/u') or "
    "contains(@href,'profile.php') or contains(@href,'action=profile'))]"
)


_AUTHOR_CLASS = re.compile(
    r"^(?:author|username|user-name|user_name|postauthor|post-author|post_author|poster|"
    r"author-name|authorname|author_name|creator|bbp-author-name|username-coloured|"
    r"PostUser-name|cAuthorPane_author|message-name|bigusername|largetext-author|name)$",
    re.IGNORECASE,
)


_PROFILE_HREF = re.compile(
    r"/u/[^/?#]+|/users?/[^/?#]+|/members?/[^/?#]+|/profile/[^/?#]+|viewprofile|showuser="
    r"|member\.php|/people/[^/?#]+|(?:^|/)user-\d+|^/u\d+$|/profile\.php"
    r"|(?:^|/)profile\.php\?(?:[^#]*[&;])?(?:id|u)=\d|[?&;]action=profile[;&](?:[^#]*[;&])?u=\d",
    re.IGNORECASE,
)


_ACCOUNT_ACTION = re.compile(
    r"(?:action|mode|do)=(?:login|logout|register|lostpw|lostpassword|signup|activate)"
    r"|/(?:login|logout|register|signup|sign_in|sign_up|lostpassword)\b",
    re.IGNORECASE,
)


_MENTION_CLASS = re.compile(r"mention", re.IGNORECASE)


_BYLINE_WORD = re.compile(r"^(?:by|von|par|de|di|por|door|av|posted by)\s+", re.IGNORECASE)


# The heading of a quote without a quote class: "Originally Posted by X", "Quote from: X on …",
# "X wrote:", "X a écrit :", "Zitat von X", a bare "Quote:" (vBulletin 3, UBB.threads, phpBB 2).
_QUOTE_HEADING = re.compile(
    r"^(?:(?:originally posted by|quote from|quoting|zitat von|citation de|cita de|citaat van)"
    r"\b.{0,80}|.{1,60}?\s(?:wrote|said|a [ée]crit|schrieb|escribi[óo]|ha scritto|schreef)\s*:"
    r"|(?:quote|citation|zitat|cita|citazione|citaat)\s*:)$",
    re.IGNORECASE,
)


def _author_elements(root: etree._Element) -> list[etree._Element]:
    found: list[etree._Element] = []
    for element in _AUTHOR_XPATH(root):
        if not isinstance(element.tag, str) or element.tag in ("html", "body", "meta", "link"):
            continue
        if not _is_author_like(element):
            continue
        found.append(element)
        if len(found) >= _MAX_AUTHORS:
            break
    members = set(found)
    # Keep the innermost: a wrapper such as .post_author holds the real name link.
    inner = []
    for element in found:
        if any(d in members for d in element.iterdescendants() if d is not element):
            continue
        inner.append(element)
    return [e for e in inner if not _in_quote_or_text(e)]


def _is_author_like(element: etree._Element) -> bool:
    if element.get("itemprop") in ("author", "creator") or element.get("rel") == "author":
        return True
    if element.tag == "a" and element.get("data-username"):
        return not _MENTION_CLASS.search(element.get("class", ""))
    classes = element.get("class", "").split()
    if any(_AUTHOR_CLASS.match(c) for c in classes):
        return True
    href = element.get("href") if element.tag == "a" else None
    if href and _PROFILE_HREF.search(href) and not _MENTION_CLASS.search(" ".join(classes)):
        return not _ACCOUNT_ACTION.search(href)
    return False


def _in_quote_or_text(element: etree._Element) -> bool:
    text = clean_text(_text_of(element))
    if text.startswith("@"):
        return True
    holder = element.getparent()
    for _ in range(2):
        if holder is None:
            break
        if _QUOTE_HEADING.match(_short_text(holder)):
            return True
        holder = holder.getparent()
    node = element.getparent()
    strong_signal = element.get("itemprop") or any(
        _AUTHOR_CLASS.match(c) for c in element.get("class", "").split()
    )
    depth = 0
    while node is not None and depth < 30:
        tag = node.tag if isinstance(node.tag, str) else ""
        classes = node.get("class", "")
        if tag == "blockquote" or "quote" in classes.lower() or _MENTION_CLASS.search(classes):
            return True
        if tag in ("nav", "footer") or (tag == "p" and not strong_signal):
            return True
        node = node.getparent()
        depth += 1
    return False


def _author_keys(authors: list[etree._Element]) -> list[tuple[etree._Element, str, str]]:
    """(element, key, display name) of each author element.

    The key is the profile link when there is one (an avatar link and a name link of the same
    post then agree), else the name; the display name of a link is the longest name any
    element linking to the same profile shows (an avatar's "L" yields to "LB_").
    """
    best_name: dict[str, tuple[bool, int, str]] = {}
    named: list[tuple[etree._Element, str, str]] = []
    for element in authors:
        name = _author_name(element)
        href = _profile_key(element)
        rank = (_has_author_signal(element), len(name), name)
        if name and href and rank[:2] > best_name.get(href, (False, 0, ""))[:2]:
            best_name[href] = rank
        named.append((element, name, href))
    keys = []
    for element, name, href in named:
        display = best_name[href][2] if href in best_name else name
        key = href or name.casefold()
        if key and display:
            keys.append((element, key, display))
    return keys


def _has_author_signal(element: etree._Element) -> bool:
    """Marked as an author (itemprop, data-username, an author class), not only a profile link."""
    if element.get("itemprop") in ("author", "creator") or element.get("data-username"):
        return True
    return any(_AUTHOR_CLASS.match(c) for c in element.get("class", "").split())


def _profile_key(element: etree._Element) -> str:
    link = element if element.tag == "a" else next(element.iter("a"), None)
    href = link.get("href", "") if link is not None else ""
    if not href or href.startswith(("javascript:", "#")):
        return ""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return ""
    query = "&".join(
        f"{k}={v}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _SESSION_PARAMS
    )
    path = parts.path.lstrip("./").rstrip("/").lower()
    return f"{path}?{query}" if query else path


def _author_name(element: etree._Element) -> str:
    if element.get("itemprop") in ("author", "creator"):
        for inner in element.iter():
            if inner.get("itemprop") == "name":
                value = clean_text(inner.get("content") or _text_of(inner))
                if value:
                    return value
        if element.get("content"):
            return clean_text(element.get("content"))
    name = clean_text(_text_of(element))
    if not name and element.tag == "a":
        name = clean_text(element.get("data-username") or "")
    if " " in name:
        # A byline ("von <strong>lupa</strong> am 26/10/13"): the emphasised name inside.
        for inner in element.iterdescendants("a", "strong", "b", "h3", "h4", "h5"):
            inner_name = clean_text(_text_of(inner))
            if inner_name and len(inner_name) + 3 < len(name):
                return inner_name if len(inner_name) <= 60 else ""
    name = _BYLINE_WORD.sub("", name)
    if not name or len(name) > 60 or not re.search(r"[^\W\d_]", name):
        return ""  # "#1", "12", "" are post numbers or icons, not names
    return name


def _is_plain_name(name: str) -> bool:
    return 0 < len(name) <= 40 and bool(re.search(r"[^\W\d_]", name))


def _short_text(element: etree._Element, limit: int = 100) -> str:
    """The element's text when it is at most `limit` characters, else "" (read no further)."""
    pieces: list[str] = []
    size = 0
    for piece in element.itertext():
        pieces.append(piece)
        size += len(piece)
        if size > 20 * limit:
            return ""
    text = clean_text("".join(pieces))
    return text if len(text) <= limit else ""
