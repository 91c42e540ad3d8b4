Tag: pickle-unscannable-data
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 Part of the pickle could not be scanned (array data where opcodes were
 expected, or a layout the walker does not follow), so imports after it are
 unknown.
 .
 To fix: Convert the model to safetensors, or check the file with upstream's
 tooling and accept the risk knowingly.
