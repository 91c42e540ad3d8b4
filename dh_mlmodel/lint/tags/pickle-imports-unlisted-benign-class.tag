Tag: pickle-imports-unlisted-benign-class
Severity: warning
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 A pickle imports a class that is not on the allowlist but looks like plain
 data (a class, not a function that executes). Loading it still imports the
 module that defines it.
 .
 To fix: Review the class and accept it in debian/mlmodel.yaml (pickle-
 allow:) if it is expected.
