Tag: mlmodel-unsafe-member-path
Severity: error
Check: mlmodel/files
See-Also: docs/security.md, https://lintian.debian.org/tags/tar-errors-from-data
Explanation:
 A member of the package's data.tar (or the target of a hard link in it) has
 an absolute name or a '..' component. dpkg-deb --build never writes such a
 name; a package holding one was made by hand to write outside the places its
 file list shows. Such members are hashed but never inspected under their
 names; the pickle scan still reads them.
 .
 To fix: Rebuild the package with dpkg-deb --build (dh_builddeb) from a
 staging directory.
