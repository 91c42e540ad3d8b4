Tag: malformed-model-file
Severity: error
Check: mlmodel/files
See-Also: docs/tags.md
Explanation:
 The file claims a model format by its content or extension but its header
 cannot be read as that format: truncated, corrupted, or a different format
 behind a misleading name. The note says what failed. When the note ends in
 '(header-only read)' lint read only the file's first bytes (a GGUF whose
 metadata exceeds 64 MiB) and the finding may be a limit of lint.
 .
 To fix: Replace the file with an intact copy and check its sha256 against
 upstream.
