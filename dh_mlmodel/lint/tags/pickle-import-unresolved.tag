Tag: pickle-import-unresolved
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 The pickle walker could not tell which module and name an import opcode
 refers to (the name is computed at load time). A crafted pickle hides its
 imports this way.
 .
 To fix: Treat the file as unsafe: convert it from a trusted copy to
 safetensors.
