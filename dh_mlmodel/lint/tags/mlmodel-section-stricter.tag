Tag: mlmodel-section-stricter
Severity: warning
Check: mlmodel/policy
See-Also: docs/policy.md
Explanation:
 The package is in a stricter area than the model needs (a free model in
 contrib or non-free).
 .
 To fix: Move it to the area the record gives. If this is intended, override
 it in debian/PKG.lintian-overrides with the line shown.
