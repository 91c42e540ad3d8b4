Tag: mlmodel-not-reproducible
Severity: warning
Check: mlmodel/policy
See-Also: docs/policy.md
Explanation:
 The declaration says the model cannot be rebuilt from its training data and
 code (reported by dh_mlmodel).
 .
 To fix: Informational for reviewers. If this is intended, override it in
 debian/PKG.lintian-overrides with the line shown.
