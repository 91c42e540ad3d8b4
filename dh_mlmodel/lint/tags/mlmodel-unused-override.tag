Tag: mlmodel-unused-override
Severity: info
Check: mlmodel/overrides
See-Also: lintian manual §2.4 (overrides)
Explanation:
 An override of an mlmodel tag matched no hint. Only overrides of tags lint
 knows are reported: the same file also holds lintian's overrides.
 .
 To fix: Remove the override.
