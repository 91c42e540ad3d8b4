Tag: mlmodel-license-unmapped
Severity: info
Check: mlmodel/provenance
See-Also: docs/policy.md
Explanation:
 A model file's own metadata names a licence in words (or a URL) that the
 licence table cannot map to an SPDX id, so it cannot be compared with the
 licence debian/mlmodel.yaml declares. The declared licence is the one used;
 the note quotes the file's string as it is.
 .
 To fix: Nothing, when the string means the declared licence. When it names
 another licence, correct license: in debian/mlmodel.yaml; when it names a
 common licence in a spelling we miss, report it so the table learns it.
