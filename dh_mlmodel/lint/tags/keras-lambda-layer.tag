Tag: keras-lambda-layer
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 The Keras model contains a Lambda layer: marshalled Python bytecode that
 runs when the model is loaded (safe_mode=False).
 .
 To fix: Ask upstream for a model without Lambda layers, or do not ship it.
