Tag: mlmodel-file-checksum-mismatch
Severity: error
Check: mlmodel/record
See-Also: spec.md §1
Explanation:
 The installed file's sha256 differs from the one dh_mlmodel recorded, so
 something changed it after dh_mlmodel ran (dh_strip_nondeterminism, a later
 override, a hand-made step).
 .
 To fix: Find the step that rewrites the file and exclude the model directory
 from it (dh_strip_nondeterminism -Xusr/share/mlmodel/).
