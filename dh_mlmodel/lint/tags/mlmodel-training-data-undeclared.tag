Tag: mlmodel-training-data-undeclared
Severity: warning
Check: mlmodel/policy
See-Also: docs/policy.md, https://salsa.debian.org/deeplearning-team/ml-policy
Explanation:
 The record says the training data were not declared, so the verdict could
 not weigh them: ML-Policy's categories depend on whether the data are free
 and available.
 .
 To fix: Declare training-data: in debian/mlmodel.yaml (name, licence,
 availability).
