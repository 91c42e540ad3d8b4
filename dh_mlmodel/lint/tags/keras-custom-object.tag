Tag: keras-custom-object
Severity: warning
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 The Keras configuration needs custom objects (registered classes) that the
 user must provide and trust.
 .
 To fix: Document where the custom code comes from. If this is intended,
 override it in debian/PKG.lintian-overrides with the line shown.
