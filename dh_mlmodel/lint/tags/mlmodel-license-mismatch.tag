Tag: mlmodel-license-mismatch
Severity: warning
Check: mlmodel/policy
See-Also: docs/policy.md
Explanation:
 Licences disagree: the model card, the file's metadata (GGUF
 general.license, safetensors metadata) and the declaration in
 debian/mlmodel.yaml name different licences. The record keeps the build-time
 findings; lint also re-reads the shipped card and file metadata against the
 record's licence.
 .
 To fix: Find out which licence applies, fix the declaration, and tell
 upstream about the conflicting one.
