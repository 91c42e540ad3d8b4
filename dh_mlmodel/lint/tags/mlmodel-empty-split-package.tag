Tag: mlmodel-empty-split-package
Severity: warning
Check: mlmodel/files
See-Also: spec.md §5
Explanation:
 A split package of the model (-tokenizer, -doc...) installs no model files,
 or its record lists none: the role split put nothing in it.
 .
 To fix: Drop the package from debian/control, or map files to it in
 debian/mlmodel.yaml (packages:).
