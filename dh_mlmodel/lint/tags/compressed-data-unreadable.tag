Tag: compressed-data-unreadable
Severity: warning
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 A compressed stream inside the file (joblib's zlib, gzip, lz4...) cannot be
 decompressed, so it was not scanned.
 .
 To fix: Check the file against upstream.
