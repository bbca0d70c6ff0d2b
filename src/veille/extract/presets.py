"""The forum engines veille knows, and each one's preset: CSS selectors, data only."""

from __future__ import annotations

ENGINES: tuple[str, ...] = (
    "discourse",
    "phpbb",
    "xenforo",
    "vbulletin",
    "invision",
    "flarum",
    "reddit",
)

# Engine → selectors, alphabetical. Keys beyond the user-facing eight: `quote` and
# `signature` (removed from bodies), `anchor` (+ `anchor_prefix`: the post's own fragment),
# `number` (the post's number in the thread, for engines whose permalink is thread/N).
PRESETS: dict[str, dict[str, str]] = {
    "discourse": {
        # The no-JavaScript crawler view, then the browser-rendered Ember DOM. The crawler
        # view's "next page" link is itself a .crawler-post (a SiteNavigationElement).
        "post": (
            ".crawler-post:not([itemtype$=SiteNavigationElement]):not([role=navigation])"
            " || article[data-post-id]"
        ),
        "author": (
            "[itemprop=author] [itemprop=name] || [itemprop=author] || .names .username a"
            " || .names .first a || .username"
        ),
        "body": "[itemprop=articleBody] || [itemprop=text] || .cooked || .post",
        "date": (
            "time@datetime || [itemprop=datePublished]@content || .relative-date@data-time"
            " || .post-date [title]@title"
        ),
        "number": "[itemprop=position] || @data-post-number || @id",
        "next": "link[rel=next]@href || a[rel=next]@href",
        "title": "#topic-title h1 || h1 || meta[property='og:title']@content",
        "thread": "a.title.raw-topic-link@href || .topic-list a.title@href || a.title@href",
        "quote": "aside.quote",
    },
    "flarum": {
        # Rendered DOM, then the server-rendered <noscript> view (h3 = author, .Post-body).
        "post": (
            "article.CommentPost || .PostStream-item article.Post"
            " || #flarum-content .container > div > div"
        ),
        "author": ".PostUser-name .username || .PostUser-name || h3",
        "body": ".Post-body",
        "date": ".PostMeta time@datetime || time@datetime || @data-time",
        "number": "@data-number",
        "next": "link[rel=next]@href || a[rel=next]@href",
        "title": ".DiscussionHero-title || #flarum-content h2 || h1 || h2",
        "thread": ("a.DiscussionListItem-main@href || #flarum-content li a[href*='/d/']@href"),
        "quote": "blockquote",
    },
    "invision": {
        "post": "article.cPost || article[id^=elComment_] || div.post_block",
        "author": (
            ".cAuthorPane_author a || .cAuthorPane_author || [itemprop=creator] [itemprop=name]"
            " || .author a"
        ),
        "body": "[data-role=commentContent] || [itemprop=text] || .post_body .post",
        "date": "time@datetime || abbr.published@title || [itemprop=dateCreated]@content",
        "anchor": "[data-commentid]@data-commentid || @id",
        "anchor_prefix": "comment-",
        "next": "link[rel=next]@href || li.ipsPagination_next a@href || a[rel=next]@href",
        "title": "h1.ipsType_pageTitle || h1",
        "thread": (
            ".ipsDataItem_title a[href*='/topic/']@href || a.topic_title@href"
            " || .ipsDataItem_title a@href"
        ),
        "quote": "blockquote.ipsQuote, .ipsQuote",
        "signature": "[data-role=memberSignature], .cPost_signature",
    },
    "phpbb": {
        "post": "div.post[id^=p] || div.post",
        "author": (
            ".postprofile .username, .postprofile .username-coloured"
            " || .author .username, .author .username-coloured || .author strong"
        ),
        "body": "div.content",
        "date": "p.author time@datetime || time@datetime || p.author",
        "anchor": "@id",
        "next": (
            "link[rel=next]@href || .pagination a[rel=next]@href || .pagination li.next a@href"
            " || .pagination a.next@href || a[rel=next]@href"
        ),
        "title": "h2.topic-title || h2 a || h2",
        "thread": "a.topictitle@href",
        "quote": "blockquote",
        "signature": ".signature",
    },
    "reddit": {
        # New "shreddit" web components, then old reddit's .thing blocks.
        "post": (
            "shreddit-post, shreddit-comment"
            " || div.thing[data-type=link], div.thing[data-type=comment]"
        ),
        "author": "@author || @data-author || a.author",
        "body": (
            "[slot=text-body] || [slot=comment] || .entry .usertext-body .md || .usertext-body .md"
        ),
        "date": ("@created-timestamp || faceplate-timeago@ts || time@datetime || @data-timestamp"),
        "link": "@permalink || @data-permalink || a.bylink@href",
        "next": "span.next-button a@href || link[rel=next]@href",
        "title": "shreddit-post@post-title || a.title || h1",
        "thread": (
            "shreddit-post@permalink || div.thing[data-type=link]@data-permalink"
            " || a[slot=full-post-link]@href"
        ),
        "quote": "blockquote",
    },
    "vbulletin": {
        # vBulletin 4 (li.postcontainer), 5 (li.b-post), 3 (table[id^=post]).
        "post": "li.postcontainer || li.b-post || table.tborder[id^=post]",
        "author": (
            "a.username strong || a.username || .author strong || .author a"
            " || [itemprop=author] [itemprop=name] || .bigusername"
        ),
        "body": (
            ".postcontent || .js-post__content-text || [itemprop=text] || div[id^=post_message_]"
        ),
        "date": (
            "time@datetime || span.date || .postdate || .b-post__timestamp"
            " || @data-node-publishdate"
        ),
        "anchor": "@id || a.anchor@id || a[name^=post]@name",
        "next": "link[rel=next]@href || a[rel=next]@href",
        "title": "span.threadtitle || h1.main-title || h1 || h2.b-post__title",
        "thread": "a[id^=thread_title_]@href || a.topic-title@href",
        "quote": ".bbcode_quote, .bbcode_container, .b-bbcode__quote, div.quote",
        "signature": ".signaturecontainer, .signature, .b-post__signature",
    },
    "xenforo": {
        "post": (
            "article.message--post || article.message[data-author] || li.message[data-author]"
        ),
        "author": "@data-author || .message-name .username || .username",
        "body": ".message-body .bbWrapper || .message-body || blockquote.messageText",
        "date": (
            "time.u-dt@datetime || time@datetime || abbr.DateTime@data-time || span.DateTime@title"
        ),
        "anchor": "@data-content || @id",
        "next": "link[rel=next]@href || a.pageNav-jump--next@href || a[rel=next]@href",
        "title": "h1.p-title-value || .titleBar h1 || h1",
        "thread": (
            ".structItem-title a[href*='threads/']@href || .discussionListItem h3.title a@href"
        ),
        "quote": ".bbCodeBlock--quote, .bbCodeQuote, blockquote.quoteContainer",
        "signature": ".message-signature, .signature",
    },
}


SELECTOR_KEYS: tuple[str, ...] = (
    "post",
    "author",
    "body",
    "date",
    "link",
    "next",
    "title",
    "thread",
)
