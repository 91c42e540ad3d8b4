Tag: pickle-build-modifies-callable
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 The pickle applies state (BUILD) to an imported callable or module, which
 can replace attributes of running code when the file is loaded.
 .
 To fix: Treat the file as unsafe; do not ship it.
