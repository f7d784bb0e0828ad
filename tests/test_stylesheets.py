"""The stylesheets are plain CSS with no build step, so nothing else checks that they parse: a
block left open (as a merge once left one) silently drops every rule after it."""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[1] / "static" / "formscore" / "css"


def _blocks_left_open(text: str) -> list[int]:
    """The lines of the blocks that never close, or of a block opened inside a rule's block."""
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    opened: list[tuple[int, str]] = []
    problems = []
    line = 1
    selector = ""
    for char in text:
        if char == "\n":
            line += 1
        if char == "{":
            # Only an at-rule (@media, @supports) holds blocks; a rule inside a rule is a mistake.
            if opened and not opened[-1][1].lstrip().startswith("@"):
                problems.append(line)
            opened.append((line, selector))
            selector = ""
        elif char == "}":
            if not opened:
                problems.append(line)
            else:
                opened.pop()
            selector = ""
        elif char == ";":
            selector = ""
        else:
            selector += char
    return problems + [number for number, _ in opened]


@pytest.mark.parametrize("stylesheet", sorted(CSS.glob("*.css")), ids=lambda path: path.name)
def test_every_block_of_the_stylesheet_closes_and_no_rule_opens_inside_a_rule(stylesheet):
    assert _blocks_left_open(stylesheet.read_text(encoding="utf-8")) == []


def test_the_check_finds_a_selector_list_left_open_by_a_merge():
    broken = ".a,\n.b {\n.a, .c {\n  color: red;\n}\n.d { color: blue; }\n"
    # The second selector list opens inside the first, and so does every rule after it.
    assert _blocks_left_open(broken) == [3, 6, 2]
