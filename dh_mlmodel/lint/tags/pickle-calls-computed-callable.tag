Tag: pickle-calls-computed-callable
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 The pickle calls an object that is itself the result of an earlier call, a
 construction ordinary saves never write and exploit pickles use.
 .
 To fix: Treat the file as unsafe; do not ship it.
