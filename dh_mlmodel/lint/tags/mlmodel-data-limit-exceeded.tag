Tag: mlmodel-data-limit-exceeded
Severity: error
Check: mlmodel/files
See-Also: docs/security.md
Explanation:
 The package's data.tar holds more members than lint reads (200,000), or
 decompresses to more than 200 times its compressed size plus 64 MiB (a
 decompression bomb). Lint stopped reading there, so the members after that
 point were not checked.
 .
 To fix: Split the package, or do not ship data that compresses this well
 (zero-filled files).
