Tag: mlmodel-dataset-undeclared
Severity: warning
Check: mlmodel/policy
See-Also: docs/policy.md
Explanation:
 The card or metadata lists a training dataset that debian/mlmodel.yaml does
 not declare (reported by dh_mlmodel at build time).
 .
 To fix: Declare it under training-data: in debian/mlmodel.yaml.
