Tag: mlmodel-model-file-outside-model-root
Severity: error
Check: mlmodel/files
See-Also: spec.md §1, docs/security.md
Explanation:
 The package installs a model file (weights in any format, or a file holding
 pickle data) outside /usr/share/mlmodel/<model>/. dh_mlmodel inspects and
 records only the files under the model root, so this one was never judged
 at build time. Lint scans it with the same pickle scanner, and reports the
 scanner's findings under their own tags.
 .
 To fix: Install model files with dh_mlmodel into /usr/share/mlmodel/<model>/
 (a symbolic link may point there from where a program looks).
