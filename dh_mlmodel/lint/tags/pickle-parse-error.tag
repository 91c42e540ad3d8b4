Tag: pickle-parse-error
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 A pickle in the file cannot be walked to its end, so what follows is not
 scanned; an unreadable memo reference is a warning.
 .
 To fix: Replace the file with an intact copy; if it is intact, convert it to
 safetensors.
