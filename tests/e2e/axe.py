"""axe-core, from the project's package-lock (node_modules/axe-core), run inside a page.

The site's strict Content-Security-Policy (no inline scripts without the request's nonce) rightly
refuses the script tag that injects axe, so the pages axe audits are opened in a browser context
that bypasses the CSP: `new_page(**AXE_CONTEXT)`. Only the audit's own pages do; every other
page of the suite runs under the site's real policy, which stays as strict as in production.
"""

from .server import REPO

AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
AXE_CONTEXT = {"bypass_csp": True}


def axe_violations(page) -> list[dict]:
    """Every violation axe-core finds on the page as it is now (WCAG 2.x A/AA and best
    practices), each with its impact and up to three offending elements."""
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `npm ci` (make e2e does)")
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
            }));
        }"""
    )


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']} — {', '.join(v['nodes'])}" for v in violations
    )
