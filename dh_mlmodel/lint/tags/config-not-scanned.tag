Tag: config-not-scanned
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 A configuration that a loader reads in full (a Keras config.json or
 model_config, a JSON config, a chat template, a TF graph) is larger than
 the scanner's limit, or could not be read, so it was not checked for the
 classes, functions or templates it names. What was not scanned cannot be
 proven safe.
 .
 To fix: Check the file by hand and ask upstream why it is so large; there
 is no override for a file that was not read.
