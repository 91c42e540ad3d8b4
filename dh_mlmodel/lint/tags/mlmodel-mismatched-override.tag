Tag: mlmodel-mismatched-override
Severity: info
Check: mlmodel/overrides
See-Also: lintian manual §2.4 (overrides)
Explanation:
 An override names a tag that did fire for the package, but its context
 matched none of the hints.
 .
 To fix: Fix the override's context; the pointer goes in brackets: tag
 [usr/share/mlmodel/...].
