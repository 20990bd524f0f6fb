"""Sphinx extension for reading the book offline without console errors.

sphinx-thebe's inline configuration script reaches every page twice (once registered with filename None, once
with ""), so a page declares ``const THEBE_JS_URL`` twice and the browser reports a SyntaxError. This drops
repeated script entries from every page. And the pydata theme under Jupyter Book starts with an empty colour
mode, which its script reports as an error before falling back to "auto": each page starts in "auto".
"""
from __future__ import annotations


def _page_context(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # an inline script's filename is None when added before the build starts and "" after: same script
        key = (getattr(script, "filename", str(script)) or "", repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique
    context["default_mode"] = context.get("default_mode") or "auto"  # the layout template reads this variable


def setup(app):
    app.connect("html-page-context", _page_context, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
