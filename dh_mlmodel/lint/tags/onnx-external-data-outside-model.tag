Tag: onnx-external-data-outside-model
Severity: error
Check: mlmodel/files
See-Also: https://onnx.ai/onnx/repo-docs/ExternalData.html, CVE-2024-27318
Explanation:
 An ONNX external data location is absolute or climbs out of the model
 directory with '..': loading the model would read another file of the
 system.
 .
 To fix: Re-save the model with external data beside it. Never override this.
