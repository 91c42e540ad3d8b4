Tag: gguf-big-endian
Severity: info
Check: mlmodel/files
See-Also: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
Explanation:
 The GGUF file is big-endian; little-endian machines cannot load it.
 .
 To fix: Ship a little-endian file unless the package is for big-endian
 architectures only. If this is intended, override it in debian/PKG.lintian-
 overrides with the line shown.
