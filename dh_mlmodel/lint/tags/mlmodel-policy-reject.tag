Tag: mlmodel-policy-reject
Severity: error
Check: mlmodel/policy
See-Also: docs/policy.md, https://salsa.debian.org/deeplearning-team/ml-policy
Explanation:
 The record's verdict is reject: under its policy profile the model cannot be
 placed in any archive area (usually because inputs are undeclared).
 .
 To fix: Declare the missing inputs in debian/mlmodel.yaml, or ask the
 ftpmasters.
