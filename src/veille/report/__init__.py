"""Rich renderables for what veille prints: scan summaries, mention lists, the report.

Text from the web is always wrapped in `rich.text.Text` (never parsed as markup) after
`clean_text` has removed control characters and escape sequences, so a title such as
`[bold red]x[/]` or one carrying an ANSI sequence prints literally and harmlessly.

Times arrive as stored (UTC) and are shown in the zone each view is given. The HTML report
(`report.html`) is imported apart, when asked for: it needs Jinja2 and matplotlib.
"""

from __future__ import annotations

from veille.report.mentions import (
    full_date,
    inbox_table,
    marked_text,
    mention_view,
    mentions_table,
    plain_marked,
    search_results,
)
from veille.report.periods import elsewhere_line
from veille.report.sweep import (
    alert_line,
    alerts_data,
    alerts_view,
    health_table,
    scan_summary,
    scan_summary_data,
)
from veille.report.tables import (
    TONE_STYLES,
    Column,
    fitted_table,
    short_date,
    sparkline,
    tone_text,
    web_text,
)
from veille.report.terminal import report_view

__all__ = [
    "TONE_STYLES",
    "Column",
    "alert_line",
    "alerts_data",
    "alerts_view",
    "elsewhere_line",
    "fitted_table",
    "full_date",
    "health_table",
    "inbox_table",
    "marked_text",
    "mention_view",
    "mentions_table",
    "plain_marked",
    "report_view",
    "scan_summary",
    "scan_summary_data",
    "search_results",
    "short_date",
    "sparkline",
    "tone_text",
    "web_text",
]
