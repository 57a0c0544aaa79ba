"""The course book: lesson scripts -> executed notebooks -> static HTML pages and slides.

Modules, one step each: `extra` (the optional dependencies), `convert` (script to
notebook), `kernel` (a kernel that is this Python), `execute` (run a notebook), `cache`
(executed notebooks by source hash), `results` (last measured `dojo verify` numbers),
`html` (lesson and index pages), `slides` (reveal.js decks), `build` (all of it, in course
order), `browser_check` (open every page in headless Chromium), `commands` (the CLI).
"""
