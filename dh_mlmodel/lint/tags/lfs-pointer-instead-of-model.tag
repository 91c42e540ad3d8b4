Tag: lfs-pointer-instead-of-model
Severity: error
Check: mlmodel/files
See-Also: https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md
Explanation:
 The file is a Git LFS pointer: a few lines of text naming the object's
 sha256 and size, not the model itself. It happens when a repository is
 cloned or exported without git lfs and the pointer is packaged in place of
 the weights. Nothing can load it.
 .
 To fix: Fetch the real file (git lfs pull, or download it from the model
 hub) and repack the source. Do not override this in a binary package.
