Tag: archive-member-unscannable
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 A member of a zip container cannot be read (unsupported compression or
 encryption), so it was not scanned.
 .
 To fix: Re-save the model with standard (stored or deflate) zip compression,
 or convert it.
