Tag: pickle-build-sets-dunder
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 The pickle sets double-underscore attributes through BUILD state, a way to
 reach interpreter internals while loading.
 .
 To fix: Treat the file as unsafe; do not ship it.
