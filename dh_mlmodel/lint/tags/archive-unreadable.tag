Tag: archive-unreadable
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 A zip container (PyTorch, NumPy npz, Keras) cannot be opened, so its pickles
 cannot be scanned.
 .
 To fix: Replace the file with an intact copy.
