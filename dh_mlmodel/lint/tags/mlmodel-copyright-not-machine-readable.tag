Tag: mlmodel-copyright-not-machine-readable
Severity: info
Check: mlmodel/copyright
See-Also: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Explanation:
 The copyright file is not in the machine-readable format, so lint cannot
 check it covers the model files.
 .
 To fix: Convert debian/copyright to DEP-5. If this is intended, override it
 in debian/PKG.lintian-overrides with the line shown.
