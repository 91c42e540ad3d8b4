Tag: pickle-parse-error
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 A pickle in the file cannot be walked to its end, so it cannot be proven
 safe: the loaders fail there too, but what they ran before the failure has
 run. A memo reference that names no entry is such an error (not a warning),
 as are a missing MARK, a stack underflow, and streams no pickler writes:
 FRAME lengths the loaders read differently, PROTO after the start, items
 left on the stack at STOP, a container that contains itself, and memo/DUP
 sharing that expands to more than a million objects.
 .
 To fix: Replace the file with an intact copy; if it is intact, convert it to
 safetensors.
