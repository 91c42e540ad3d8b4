Tag: onnx-external-data-symlink
Severity: error
Check: mlmodel/files
See-Also: https://onnx.ai/onnx/repo-docs/ExternalData.html
Explanation:
 An ONNX external data location is a symlink in the package; the loader
 follows it wherever it points.
 .
 To fix: Install the data as a regular file.
