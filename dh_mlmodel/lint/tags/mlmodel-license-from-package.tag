Tag: mlmodel-license-from-package
Severity: warning
Check: mlmodel/policy
See-Also: docs/policy.md
Explanation:
 The only licence found for the model was in the package metadata of the code
 that ships it (PyPI/npm), which may not cover the weights.
 .
 To fix: Declare license: in debian/mlmodel.yaml after checking upstream.
