Tag: gguf-missing-architecture
Severity: warning
Check: mlmodel/files
See-Also: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
Explanation:
 The GGUF file has no general.architecture key, which llama.cpp needs to load
 it.
 .
 To fix: Take a GGUF written by a current converter.
