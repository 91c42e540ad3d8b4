Tag: mlmodel-base-model-undeclared
Severity: warning
Check: mlmodel/policy
See-Also: docs/policy.md
Explanation:
 The card or config names a base model that debian/mlmodel.yaml does not
 declare, so the verdict did not account for it (reported by dh_mlmodel at
 build time).
 .
 To fix: Declare it under base-model: in debian/mlmodel.yaml.
