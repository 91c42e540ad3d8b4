Tag: mlmodel-vcs-file
Severity: warning
Check: mlmodel/files
See-Also: https://lintian.debian.org/tags/package-contains-vcs-control-file
Explanation:
 A version-control file or directory (.gitattributes, .gitignore, .git/...)
 is installed in a model directory. Hugging Face repositories carry
 .gitattributes for LFS.
 .
 To fix: Exclude it in debian/mlmodel.yaml (exclude:) or remove it from the
 source.
