Tag: mlmodel-unsupported-member-type
Severity: error
Check: mlmodel/files
See-Also: docs/security.md
Explanation:
 A member of the package's data.tar is a GNU or PAX sparse file. Its holes
 would be zeros made up by the tar reader, so a few bytes in the package can
 claim terabytes; lint does not read it, so its content is not checked.
 dpkg-deb --build never writes sparse members.
 .
 To fix: Rebuild the package with dpkg-deb --build (dh_builddeb).
