Tag: archive-nesting-too-deep
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 Containers are nested deeper than the scanner follows (zip in zip in
 compressed stream), a shape exploit files use to hide content.
 .
 To fix: Do not ship the file without understanding its layout.
