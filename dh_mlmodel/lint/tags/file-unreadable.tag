Tag: file-unreadable
Severity: error
Check: mlmodel/risk
See-Also: docs/tags.md
Explanation:
 The file could not be read while scanning it.
 .
 To fix: Rebuild the package; check the build machine's disk.
