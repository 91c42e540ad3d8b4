Tag: pickle-trailing-bytes
Severity: warning
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 Bytes follow the pickle's STOP opcode. Loaders ignore them, but they are a
 place to hide a second payload.
 .
 To fix: Check the file against upstream; re-save it.
