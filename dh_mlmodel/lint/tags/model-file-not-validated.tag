Tag: model-file-not-validated
Severity: warning
Check: mlmodel/files
See-Also: docs/formats.md
Explanation:
 A file in a model directory is in a format no describer of dh_mlmodel
 recognises, or is wrapped in a compression it could not open (no zstd
 decompressor installed) or that decompresses past the describe budget. Its
 structure was not validated and no weights metadata was recorded for it. The
 message says what the file looks like and why it was not validated.
 .
 To fix: Check the file against upstream; if it is not part of the model,
 exclude it in debian/mlmodel.yaml; install python3-zstandard or zstd for a
 zstd-compressed file.
