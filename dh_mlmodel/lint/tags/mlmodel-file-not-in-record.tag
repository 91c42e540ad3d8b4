Tag: mlmodel-file-not-in-record
Severity: warning
Check: mlmodel/record
See-Also: spec.md §1
Explanation:
 A file in the model directory is not listed in the package's record:
 something installed it besides dh_mlmodel.
 .
 To fix: Let dh_mlmodel install it (or exclude it in debian/mlmodel.yaml).
