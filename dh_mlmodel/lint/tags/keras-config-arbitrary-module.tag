Tag: keras-config-arbitrary-module
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 The Keras configuration names a module outside Keras and TensorFlow to
 import while deserialising.
 .
 To fix: Review the module; do not ship a model that imports arbitrary code.
