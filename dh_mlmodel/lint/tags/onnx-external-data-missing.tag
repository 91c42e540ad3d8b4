Tag: onnx-external-data-missing
Severity: error
Check: mlmodel/files
See-Also: https://onnx.ai/onnx/repo-docs/ExternalData.html
Explanation:
 The ONNX model keeps tensors in an external data file that is not in the
 same binary package, so the installed model cannot load.
 .
 To fix: Install the external data file in the same package as the .onnx file
 (debian/mlmodel.yaml packages:).
