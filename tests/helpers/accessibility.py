"""axe-core in the browser tests: run it on the page as it stands and describe what it found.

axe-playwright-python ships axe-core's own script, injected with page.evaluate (not a <script>
tag), so our Content-Security-Policy does not stop it and nothing is fetched at test time.
"""

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()
SERIOUS = ("serious", "critical")


def axe_violations(
    page,
    *,
    impacts: tuple[str, ...] | None = None,
    within: str | None = None,
    besides: frozenset[str] = frozenset(),
) -> list[str]:
    """axe's violations on the current page (or within the elements a CSS selector picks), one
    line per rule and node, at the given impacts (None: all of them), leaving out the rules
    named in besides (a known problem of a third party's page)."""
    results = _AXE.run(page, context=within, options={"resultTypes": ["violations"]}).response
    found = []
    for violation in results["violations"]:
        if impacts is not None and violation["impact"] not in impacts:
            continue
        if violation["id"] in besides:
            continue
        for node in violation["nodes"]:
            found.append(
                f"{violation['impact']} {violation['id']}: {', '.join(map(str, node['target']))}"
                f" — {node.get('failureSummary', '').splitlines()[-1].strip()}"
            )
    return found


_BROKEN_REFERENCES = """() => {
  const found = [];
  for (const element of document.querySelectorAll("[aria-describedby], [aria-labelledby]")) {
    for (const name of ["aria-describedby", "aria-labelledby"]) {
      for (const id of (element.getAttribute(name) || "").split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) found.push(`${name}="${id}" on <${element.localName}>`);
      }
    }
  }
  if (/[<>]/.test(document.title)) found.push(`markup in the title: ${document.title}`);
  return found;
}"""


def broken_references(page) -> list[str]:
    """aria-describedby and aria-labelledby ids that name no element (axe passes a list with one
    good id), and markup that leaked into the page title."""
    return page.evaluate(_BROKEN_REFERENCES)


_SIDEWAYS = """() => {
  const found = [];
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth) found.push(`the page is ${page.scrollWidth} px wide`);
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      const table = wrap.querySelector("table");
      const name = table ? table.className.split(" ").join(".") : "table-wrap";
      found.push(`.${name} scrolls sideways (${wrap.scrollWidth} px in ${wrap.clientWidth} px)`);
    }
  }
  return found;
}"""


def sideways_scrolling(page) -> list[str]:
    """The page, or a table in it, wider than the window: content a person must scroll to."""
    return page.evaluate(_SIDEWAYS)


_FOCUS_RING = """() => {
  let element = document.activeElement;
  // A radio or checkbox on the public form rings its whole choice instead of the box itself.
  if (getComputedStyle(element).outlineStyle === "none" && element.closest(".choice")) {
    element = element.closest(".choice");
  }
  const style = getComputedStyle(element);
  const rgb = (value) => value.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  let node = element.parentElement;  // the ring sits outside the element: what is behind it
  let behind = [255, 255, 255];
  while (node) {
    const colour = rgb(getComputedStyle(node).backgroundColor);
    if (colour.length < 4 || colour[3] > 0.5) { behind = colour; break; }
    node = node.parentElement;
  }
  const both = [luminance(rgb(style.outlineColor)), luminance(behind)];
  const [light, dark] = both.sort((a, b) => b - a);
  return {
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    contrast: Math.round(((light + 0.05) / (dark + 0.05)) * 100) / 100,
    element: element.outerHTML.slice(0, 80),
  };
}"""


def focus_ring(page) -> dict:
    """The focused element's outline: style, width in px, and its contrast with what is behind."""
    return page.evaluate(_FOCUS_RING)
