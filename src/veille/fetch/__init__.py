"""The HTTP stage of a sweep (`Fetcher`): a URL in, a `Fetched` out, whatever the server does.

`client` holds the fetcher (deadlines, redirects, retries, politeness), `body` the bounded
reading and decompression of a response, `failures` the messages a failure is told in.
"""

from veille.fetch.client import ACCEPT_ENCODING, DEFAULT_USER_AGENT, FEED_ACCEPT, Fetcher

__all__ = ["ACCEPT_ENCODING", "DEFAULT_USER_AGENT", "FEED_ACCEPT", "Fetcher"]
