"""Build logs on the dashboard: colour codes become spans, nothing a build prints becomes markup."""

from __future__ import annotations

import pytest

from services.api.dashboard.log_html import log_html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("plain text\n", "plain text\n", id="plain"),
        pytest.param(
            "\x1b[31mred\x1b[0m after",
            '<span class="ansi-fg-1">red</span> after',
            id="colour-then-reset",
        ),
        pytest.param(
            "\x1b[1;92mok\x1b[22m still green\x1b[39m",
            '<span class="ansi-bold ansi-fg-10">ok</span>'
            '<span class="ansi-fg-10"> still green</span>',
            id="bold-bright-and-partial-resets",
        ),
        pytest.param(
            "\x1b[44;97m note \x1b[m",
            '<span class="ansi-fg-15 ansi-bg-4"> note </span>',
            id="background-and-empty-reset",
        ),
        pytest.param(
            "\x1b[38;5;208morange\x1b[0m \x1b[38;2;1;2;3m\x1b[4mrgb",
            'orange <span class="ansi-underline">rgb</span>',
            id="extended-colours-in-the-default-colour",
        ),
        pytest.param(
            "\x1b[2K\x1b[1Gprogress \x1b]8;;https://x.example\x07link\x1b]8;;\x07",
            "progress link",
            id="other-escapes-dropped",
        ),
        pytest.param(
            '\x1b[31m<script>alert("x")</script>&\x1b[0m<img src=x onerror=alert(1)>',
            '<span class="ansi-fg-1">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;'
            "</span>&lt;img src=x onerror=alert(1)&gt;",
            id="markup-escaped-inside-and-outside-spans",
        ),
        pytest.param(
            '\x1b[31;"><b>m text', "[31;&quot;&gt;&lt;b&gt;m text", id="bad-sequence-is-text"
        ),
    ],
)
def test_colours_become_spans_and_text_is_escaped(text: str, expected: str) -> None:
    assert str(log_html(text)) == expected
