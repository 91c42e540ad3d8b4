Tag: mlmodel-changes-checksum-mismatch
Severity: error
Check: mlmodel/changes
See-Also: Debian Policy §5.5 (Files, Checksums-Sha1, Checksums-Sha256), https://lintian.debian.org/tags/checksum-mismatch-in-changes-file
Explanation:
 The size or a checksum (Files md5sum, Checksums-Sha1, Checksums-Sha256) that
 the .changes lists for a file is not that of the file beside it. The file
 was changed or replaced after the .changes was made, so what lint checked is
 not what the upload claims.
 .
 To fix: Rebuild, or regenerate the .changes (dpkg-genchanges) after the last
 change to its files.
