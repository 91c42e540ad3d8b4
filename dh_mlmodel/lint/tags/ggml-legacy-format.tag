Tag: ggml-legacy-format
Severity: info
Check: mlmodel/files
See-Also: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
Explanation:
 The file uses a pre-GGUF ggml format that current llama.cpp no longer loads
 (whisper.cpp still does).
 .
 To fix: Convert it to GGUF if the consumer supports it. If this is intended,
 override it in debian/PKG.lintian-overrides with the line shown.
