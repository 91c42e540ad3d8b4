Tag: compressed-data-too-large
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 A compressed stream in the file (a gzip, xz, bzip2, zstd or LZ4 wrapper, or
 joblib's compression) decompresses to more than the risk scan reads for one
 file: at least 1 GiB, or 100 times the file's size when that is more. Such a
 ratio is a compression bomb, not model weights; what lies past the budget
 was not scanned, and a loader would read all of it.
 .
 To fix: Check the file against upstream; ship the model uncompressed (the
 .deb is compressed anyway).
