Tag: keras-config-unreadable
Severity: warning
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 The Keras archive's config.json is not JSON, so layers were not checked.
 .
 To fix: Re-save the model with Keras.
