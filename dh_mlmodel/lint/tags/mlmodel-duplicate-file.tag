Tag: mlmodel-duplicate-file
Severity: warning
Check: mlmodel/files
See-Also: spec.md §5
Explanation:
 The same bytes are installed twice, at two paths or in two packages of the
 upload. For weights that doubles the download and disk use.
 .
 To fix: Ship one copy and point the other path at it with a symlink
 (dh_link), or exclude one.
