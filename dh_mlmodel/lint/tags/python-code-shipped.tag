Tag: python-code-shipped
Severity: warning
Check: mlmodel/risk
See-Also: https://huggingface.co/docs/transformers/custom_models
Explanation:
 A .py file is installed in the model directory. transformers imports such
 files under trust_remote_code, and anyone loading the directory may run
 them.
 .
 To fix: Install code as a Python module in its own package, not beside the
 weights. If this is intended, override it in debian/PKG.lintian-overrides
 with the line shown.
