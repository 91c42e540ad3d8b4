Tag: torchscript-code
Severity: warning
Check: mlmodel/risk
See-Also: https://pytorch.org/docs/stable/jit.html
Explanation:
 The TorchScript archive contains code that torch.jit.load compiles and runs.
 .
 To fix: Review the code, or ship weights in safetensors with the model's
 Python class packaged separately. If this is intended, override it in
 debian/PKG.lintian-overrides with the line shown.
