Tag: mlmodel-executable-model-file
Severity: warning
Check: mlmodel/files
See-Also: https://www.debian.org/doc/debian-policy/ch-files.html#permissions-and-owners
Explanation:
 A model file is installed with an execute bit. Models are data; dh_fixperms
 does not clear the bit under /usr/share/mlmodel.
 .
 To fix: chmod -x the file in the source or in an override_dh_fixperms step.
