Tag: onnx-external-data-unsafe-path
Severity: error
Check: mlmodel/files
See-Also: https://onnx.ai/onnx/repo-docs/ExternalData.html
Explanation:
 An ONNX external data location is not a plain relative path.
 .
 To fix: Re-save the model with a plain relative location.
