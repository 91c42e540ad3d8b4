Tag: mlmodel-record-lists-missing-file
Severity: error
Check: mlmodel/record
See-Also: spec.md §1
Explanation:
 The record lists a file that the package does not install.
 .
 To fix: Find the step that removed or renamed the file after dh_mlmodel.
