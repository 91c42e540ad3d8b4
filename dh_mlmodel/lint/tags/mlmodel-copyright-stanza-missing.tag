Tag: mlmodel-copyright-stanza-missing
Severity: error
Check: mlmodel/copyright
See-Also: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Explanation:
 No Files: paragraph of the package's machine-readable copyright file matches
 the model file's source path (the note), so its licence and copyright
 holders are not documented.
 .
 To fix: Add a Files: paragraph for the model directory to debian/copyright.
