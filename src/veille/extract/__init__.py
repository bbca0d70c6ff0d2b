"""HTML (and forum JSON) bytes → posts, links and articles, as plain values.

The stage never touches the network: every function takes the body exactly as fetched and the
URL it came from. Three jobs:

**Forums** (`extract_forum`). A page is read with, in order of precedence:

1. the user's `selectors` (keys `post`, `author`, `body`, `date`, `link`, `next`, `title`,
   `thread`), merged over the preset of `engine` when one is given;
2. the preset of `engine` (`PRESETS`, data only: CSS selectors per engine);
3. the preset of the engine `detect_engine` recognises (generator meta, then markup
   signatures);
4. the generic extractor, when the engine is unknown or has no preset (NodeBB, Vanilla, MyBB,
   SMF, UBB.threads, punBB/FluxBB, phpBB 2, bbPress, Forumotion …) or when the preset finds
   nothing.

A page with text that gives no post and no thread says why in `ForumPage.empty_reason`, with
the engine its markup shows: a forum whose markup changed must not look like a quiet one.

Selector syntax: plain CSS (via cssselect); `css@attr` reads an attribute of the first match;
`@attr` alone reads the post element's own attribute (or that of its wrapper, for engines that
put post numbers on a wrapping `div`); `a || b` tries `a` first and `b` only when `a` finds
nothing. Inside a post, an element that belongs to a post nested in it (Reddit's comment tree)
is not the outer post's.

Every post body drops what is not the poster's own words: quotes (the engine's quote selector
plus the usual `blockquote.quote`, `aside.quote`, `.bbcode_quote` …), signatures, scripts.
Blocks that are not posts are dropped everywhere: sponsored blocks ("Sponsored", "Gesponserte
Inhalte", "Publicité" …) and blocks with neither an author nor any text (navigation
pseudo-posts).

**The generic extractor** looks for the page's repeated post blocks: it marks "author-like"
elements (schema.org author, `.username`/`.author` classes, profile links: `/u/`, `/user/`,
`/members/`, `memberlist.php?mode=viewprofile` …), keeps the elements that hold exactly one
author, groups them by parent and by a shared signature (tag plus one class token or one
structural attribute), and keeps the group whose members have the most text in a body-like
child (`.content`, `.message`, `.post_body`, `[itemprop=text]` …). Members with an empty body
or a sponsored "author" are dropped; elements elsewhere on the page carrying the same class
token (Vanilla's opening post sits apart from its comments) join the group, and so do guests'
posts, whose name is plain text where members have a profile link (FluxBB, SMF). Classes
that differ by a digit (`windowbg`/`windowbg2`, `row1`/`row2`) are one signature; quotes
without a class ("Originally Posted by …") and signatures after a rule of underscores are
left out of bodies; a date printed in pieces ("03/11/24" + "08:15 AM") is read whole, and a
join date never taken for the post's.

**Blogs**: `discover_feeds` (`<link rel="alternate">` with any feed-like type, including the
non-standard `application/rss`), `article_links` (a list page's links to its articles) and
`extract_article` (main text by our own lxml heuristics: known content containers first, then
readability-style paragraph scoring; metadata from JSON-LD, Open Graph and `<time>`). We do
not use trafilatura: it is Apache-2.0 only from 1.8 on, and it would pull in a dozen
packages (htmldate, justext, courlan, dateparser …) for one function whose job a hundred
lines of lxml do well enough on the pages we meet; readability-lxml would add a dependency
for less than the scoring in `article`.

Dates: `now` is when the page was read and `zone` the forum's (the source's `timezone`, else
the user's): a date printed without an offset is a wall-clock time there (`veille.dates`).

Hostile input: bytes are decoded by `veille.charset.decode_html`, the decoder feeds use (BOM,
HTTP charset, `<meta charset>`, UTF-8, undeclared legacy encodings, windows-1252 fallback);
lxml's recovering parser takes broken markup; nothing recurses over the tree, and post and
element counts are bounded, so a 10 MB page costs a few seconds at most.

`presets` holds the engines and their selectors; `document` parses, selects and cleans post
bodies; `links` gives a page's URLs; `detect` names the engine; `page` holds `ForumPage` and
what both forum extractors read; `forum` reads a page with a preset, `generic` without one
(with `posters`, who wrote each block), and `forum_api` reads the Discourse and Reddit JSON
endpoints; `article` reads blogs.
"""

from veille.charset import decode_html
from veille.dates import parse_forum_date
from veille.extract.article import article_links, discover_feeds, extract_article
from veille.extract.detect import detect_engine
from veille.extract.forum import extract_forum
from veille.extract.forum_api import forum_api_url
from veille.extract.page import ForumPage
from veille.extract.presets import ENGINES, PRESETS, SELECTOR_KEYS

__all__ = [
    "ENGINES",
    "PRESETS",
    "SELECTOR_KEYS",
    "ForumPage",
    "article_links",
    "decode_html",
    "detect_engine",
    "discover_feeds",
    "extract_article",
    "extract_forum",
    "forum_api_url",
    "parse_forum_date",
]
