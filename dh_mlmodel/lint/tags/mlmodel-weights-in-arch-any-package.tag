Tag: mlmodel-weights-in-arch-any-package
Severity: warning
Check: mlmodel/files
See-Also: https://www.debian.org/doc/debian-policy/ch-controlfields.html#architecture
Explanation:
 Model weights are the same bytes on every architecture, but this package is
 built per architecture, so the archive stores one copy per architecture.
 .
 To fix: Move the weights to an Architecture: all package.
