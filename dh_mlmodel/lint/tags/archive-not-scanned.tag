Tag: archive-not-scanned
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 The file is an archive in a format the scanner cannot open (7z, RAR):
 Python's standard library has no reader for it, so its members (which can
 be pickles) cannot be proven safe.
 .
 To fix: Unpack the archive in the source package (debian/rules or a
 repack) so that its files are scanned one by one.
