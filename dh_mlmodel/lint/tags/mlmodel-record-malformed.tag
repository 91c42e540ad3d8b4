Tag: mlmodel-record-malformed
Severity: error
Check: mlmodel/record
See-Also: spec.md §1, §6
Explanation:
 The record is not the JSON object dh_mlmodel writes, or names another
 package or model.
 .
 To fix: Rebuild the package with dh_mlmodel; do not edit records by hand.
