Tag: mlmodel-record-missing
Severity: error
Check: mlmodel/record
See-Also: spec.md §1
Explanation:
 Model files are installed under usr/share/mlmodel/<model>/ but the package
 has no record .mlmodel/<package>.json: they were not installed by
 dh_mlmodel, and nothing says what they are or where they may go.
 .
 To fix: Install models with dh_mlmodel (Build-Depends: dh-sequence-mlmodel)
 instead of dh_install.
